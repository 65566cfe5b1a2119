package org.eqprop.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The project's Markdown documentation as the docs tests see it: {@code README.md} at the repository root and every
 * {@code .md} file under {@code docs/}, discovered on disk (a new page is checked without being registered). Tests
 * run in the module folder, so the repository root is {@code ..}.
 */
final class MarkdownPages {

    /** The repository root, as an absolute, normalised path. */
    static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();

    private static final Pattern FENCE = Pattern.compile("^( {0,3})(`{3,}|~{3,})(.*)$");

    private MarkdownPages() {
    }

    /** README.md, then the pages under docs/ in path order. */
    static List<Path> pages() {
        List<Path> pages = new ArrayList<>();
        Path readme = ROOT.resolve("README.md");
        if (!Files.isRegularFile(readme)) {
            throw new IllegalStateException("no README.md at " + ROOT + " (tests must run in a module folder)");
        }
        pages.add(readme);
        pages.addAll(files(ROOT.resolve("docs")).stream().filter(p -> p.toString().endsWith(".md"))
                .collect(Collectors.toList()));
        return pages;
    }

    /** Every regular file under a folder, in path order. */
    static List<Path> files(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path page) {
        try {
            return Files.readString(page);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The page's path relative to the repository root, with forward slashes. */
    static String name(Path page) {
        return ROOT.relativize(page).toString().replace('\\', '/');
    }

    /** A fenced code block: its info string (after the fence), its first content line (1-based) and its text. */
    record Block(Path page, String info, int line, String text) {

        /** The first word of the info string: the language. */
        String language() {
            String[] words = info.trim().split("\\s+");
            return words[0];
        }

        /** The words of the info string after the language. */
        List<String> options() {
            String[] words = info.trim().split("\\s+");
            List<String> options = new ArrayList<>();
            for (int i = 1; i < words.length; i++) {
                options.add(words[i]);
            }
            return options;
        }

        String where() {
            return name(page) + ":" + line;
        }
    }

    /**
     * The fenced code blocks of a page (CommonMark fences: three or more backticks or tildes, indented by at most
     * three spaces; the block ends at a fence of the same character at least as long, or at the end of the page). The
     * fence's indentation is removed from the content lines.
     */
    static List<Block> blocks(Path page) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = read(page).split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            Matcher open = FENCE.matcher(lines[i]);
            if (!open.matches() || (open.group(2).charAt(0) == '`' && open.group(3).contains("`"))) {
                i++;
                continue;
            }
            int indent = open.group(1).length();
            String fence = open.group(2);
            StringBuilder text = new StringBuilder();
            int start = i + 2;
            i++;
            while (i < lines.length && !closes(lines[i], fence)) {
                String line = lines[i];
                int cut = 0;
                while (cut < indent && cut < line.length() && line.charAt(cut) == ' ') {
                    cut++;
                }
                text.append(line.substring(cut)).append('\n');
                i++;
            }
            blocks.add(new Block(page, open.group(3).trim(), start, text.toString()));
            i++;
        }
        return blocks;
    }

    private static boolean closes(String line, String fence) {
        Matcher m = FENCE.matcher(line);
        return m.matches() && m.group(2).charAt(0) == fence.charAt(0) && m.group(2).length() >= fence.length()
                && m.group(3).isBlank();
    }

    /**
     * The page with its fenced code blocks blanked out (line numbers kept), so that what looks like a link inside
     * code is not taken for one.
     */
    static String withoutFencedCode(Path page) {
        String[] lines = read(page).split("\n", -1);
        StringBuilder out = new StringBuilder();
        String fence = null;
        for (String line : lines) {
            if (fence == null) {
                Matcher open = FENCE.matcher(line);
                if (open.matches() && !(open.group(2).charAt(0) == '`' && open.group(3).contains("`"))) {
                    fence = open.group(2);
                    out.append('\n');
                    continue;
                }
                out.append(line).append('\n');
            } else {
                if (closes(line, fence)) {
                    fence = null;
                }
                out.append('\n');
            }
        }
        return out.toString();
    }
}
