package org.vmckpt.machine.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decodes a virt-like tree with the reference tool, dtc (Debian package device-tree-compiler), and checks
 * the source it prints. Skipped only when dtc is not installed.
 */
class FdtWriterDtcTest {
    @TempDir
    Path dir;

    private static boolean dtcInstalled() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(p, "dtc"))) return true;
        }
        return false;
    }

    @Test
    void dtcDecodesTheBlob() throws IOException, InterruptedException {
        Assumptions.assumeTrue(dtcInstalled(), "dtc (device-tree-compiler) is not installed");
        FdtWriter fdt = new FdtWriter();
        int cpuIntc = fdt.newPhandle();
        int plic = fdt.newPhandle();
        fdt.beginNode("");
        fdt.propertyU32("#address-cells", 2);
        fdt.propertyU32("#size-cells", 2);
        fdt.propertyString("compatible", "riscv-virtio");
        fdt.propertyString("model", "riscv-virtio,qemu");
        fdt.beginNode("chosen");
        fdt.propertyString("bootargs", "console=ttyS0 earlycon=sbi");
        fdt.propertyString("stdout-path", "/soc/serial@10000000");
        fdt.endNode();
        fdt.beginNode("memory@80000000");
        fdt.propertyString("device_type", "memory");
        fdt.propertyU64("reg", 0x8000_0000L, 0x4000_0000L);
        fdt.endNode();
        fdt.beginNode("cpus");
        fdt.propertyU32("#address-cells", 1);
        fdt.propertyU32("#size-cells", 0);
        fdt.propertyU32("timebase-frequency", 10_000_000);
        fdt.beginNode("cpu@0");
        fdt.propertyString("device_type", "cpu");
        fdt.propertyU32("reg", 0);
        fdt.propertyString("status", "okay");
        fdt.propertyString("compatible", "riscv");
        fdt.propertyString("riscv,isa", "rv64imafdc");
        fdt.propertyString("mmu-type", "riscv,sv39");
        fdt.beginNode("interrupt-controller");
        fdt.propertyU32("#interrupt-cells", 1);
        fdt.propertyEmpty("interrupt-controller");
        fdt.propertyString("compatible", "riscv,cpu-intc");
        fdt.propertyU32("phandle", cpuIntc);
        fdt.endNode();
        fdt.endNode();
        fdt.endNode();
        fdt.beginNode("soc");
        fdt.propertyU32("#address-cells", 2);
        fdt.propertyU32("#size-cells", 2);
        fdt.propertyString("compatible", "simple-bus");
        fdt.propertyEmpty("ranges");
        fdt.beginNode("plic@c000000");
        fdt.propertyU32("phandle", plic);
        fdt.propertyU32("riscv,ndev", 95);
        fdt.propertyU64("reg", 0x0c00_0000L, 0x0400_0000L);
        fdt.propertyU32("interrupts-extended", cpuIntc, 11, cpuIntc, 9);
        fdt.propertyEmpty("interrupt-controller");
        fdt.propertyString("compatible", "sifive,plic-1.0.0", "riscv,plic0");
        fdt.propertyU32("#interrupt-cells", 1);
        fdt.endNode();
        fdt.beginNode("serial@10000000");
        fdt.propertyU32("interrupts", 10);
        fdt.propertyU32("interrupt-parent", plic);
        fdt.propertyU32("clock-frequency", 0x384000);
        fdt.propertyU64("reg", 0x1000_0000L, 0x100L);
        fdt.propertyString("compatible", "ns16550a");
        fdt.endNode();
        fdt.endNode();
        fdt.endNode();

        Path blob = dir.resolve("virt.dtb");
        Files.write(blob, fdt.toByteArray());
        Path dts = dir.resolve("virt.dts");
        Process dtc = new ProcessBuilder("dtc", "-I", "dtb", "-O", "dts", "-o", dts.toString(), blob.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dtc.log").toFile())
                .start();
        assertTrue(dtc.waitFor(30, TimeUnit.SECONDS), "dtc did not finish");
        String log = Files.readString(dir.resolve("dtc.log"));
        assertEquals(0, dtc.exitValue(), "dtc failed: " + log);
        String text = Files.readString(dts, StandardCharsets.UTF_8);

        assertTrue(text.startsWith("/dts-v1/;"), text);
        for (String expected : new String[] {
                "compatible = \"riscv-virtio\";",
                "model = \"riscv-virtio,qemu\";",
                "bootargs = \"console=ttyS0 earlycon=sbi\";",
                "memory@80000000 {",
                "reg = <0x00 0x80000000 0x00 0x40000000>;",
                "timebase-frequency = <0x989680>;",
                "riscv,isa = \"rv64imafdc\";",
                "interrupt-controller;",
                "phandle = <0x01>;",
                "phandle = <0x02>;",
                "interrupts-extended = <0x01 0x0b 0x01 0x09>;",
                "riscv,ndev = <0x5f>;",
                "ranges;",
                "serial@10000000 {",
                "interrupt-parent = <0x02>;",
                "reg = <0x00 0x10000000 0x00 0x100>;",
                "compatible = \"ns16550a\";"}) {
            assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
        }
        // dtc versions print a string list either as "a", "b" or as "a\0b".
        assertTrue(text.contains("compatible = \"sifive,plic-1.0.0\", \"riscv,plic0\";")
                || text.contains("compatible = \"sifive,plic-1.0.0\\0riscv,plic0\";"), text);
        // Nesting survives: the cpu's interrupt controller sits inside cpu@0 inside cpus.
        int cpus = text.indexOf("cpus {");
        int cpu0 = text.indexOf("cpu@0 {");
        int intc = text.indexOf("interrupt-controller {");
        int soc = text.indexOf("soc {");
        assertTrue(cpus >= 0 && cpus < cpu0 && cpu0 < intc && intc < soc, text);

        // And dtc can turn its own reading back into a blob without complaint.
        Process again = new ProcessBuilder("dtc", "-I", "dts", "-O", "dtb", "-o", dir.resolve("again.dtb").toString(), dts.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("again.log").toFile())
                .start();
        assertTrue(again.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, again.exitValue(), Files.readString(dir.resolve("again.log")));
    }
}
