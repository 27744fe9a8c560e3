package org.vmckpt.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table: a header row and data rows, columns padded to their widest cell and separated by two
 * spaces. Columns whose header is in {@code rightAligned} (numbers) are aligned to the right.
 */
final class Table {
    private final List<String> header;
    private final boolean[] right;
    private final List<List<String>> rows = new ArrayList<>();

    Table(List<String> header, List<String> rightAligned) {
        this.header = List.copyOf(header);
        this.right = new boolean[header.size()];
        for (int i = 0; i < header.size(); i++) right[i] = rightAligned.contains(header.get(i));
    }

    void add(List<String> row) {
        if (row.size() != header.size()) {
            throw new IllegalArgumentException("row has " + row.size() + " cells, the table " + header.size() + " columns");
        }
        rows.add(List.copyOf(row));
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintStream out) {
        print(out, "");
    }

    /** Prints the table with {@code indent} before every line. */
    void print(PrintStream out, String indent) {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> r : rows) width[c] = Math.max(width[c], r.get(c).length());
        }
        printRow(out, indent, header, width);
        for (List<String> r : rows) printRow(out, indent, r, width);
    }

    private void printRow(PrintStream out, String indent, List<String> cells, int[] width) {
        StringBuilder line = new StringBuilder(indent);
        for (int c = 0; c < cells.size(); c++) {
            String s = cells.get(c);
            boolean last = c == cells.size() - 1;
            if (c > 0) line.append("  ");
            if (right[c]) line.append(" ".repeat(width[c] - s.length())).append(s);
            else line.append(s).append(last ? "" : " ".repeat(width[c] - s.length()));
        }
        out.println(line);
    }
}
