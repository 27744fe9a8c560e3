import com.github.luben.zstd.*;
import java.nio.*;
public class ArrTest {
    public static void main(String[] a) throws Exception {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] page = new byte[256 * 1024];
        for (int i = 0; i < page.length; i++) page[i] = (byte) ((i * 31) ^ (i >> 9));
        for (int big : new int[] {256 * 1024, 2 << 20, 256 * 1024, 2 << 20}) {
            byte[] src = new byte[big];
            System.arraycopy(page, 0, src, 0, page.length);
            byte[] dst = new byte[big + 4096];
            ZstdCompressCtx c = new ZstdCompressCtx(); c.setLevel(1); c.setWindowLog(23); c.setHashLog(17);
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 2000; i++) {
                ByteBuffer in = ByteBuffer.wrap(src, 0, page.length), out = ByteBuffer.wrap(dst);
                while (!c.compressByteBufferStream(out, in, EndDirective.FLUSH)) { }
            }
            long t1 = mx.getCurrentThreadCpuTime();
            System.out.printf("heap arrays of %d: %.1f us per chunk%n", big, (t1 - t0) / 2000 / 1e3);
            c.close();
        }
        ByteBuffer din = ByteBuffer.allocateDirect(256 * 1024), dout = ByteBuffer.allocateDirect(300 * 1024);
        ZstdCompressCtx c = new ZstdCompressCtx(); c.setLevel(1); c.setWindowLog(23); c.setHashLog(17);
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < 2000; i++) {
            din.clear(); din.put(page); din.flip(); dout.clear();
            while (!c.compressDirectByteBufferStream(dout, din, EndDirective.FLUSH)) { }
        }
        long t1 = mx.getCurrentThreadCpuTime();
        System.out.printf("direct (copy in): %.1f us per chunk%n", (t1 - t0) / 2000 / 1e3);
    }
}
