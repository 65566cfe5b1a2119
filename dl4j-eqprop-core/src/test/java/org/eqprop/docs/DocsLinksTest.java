package org.eqprop.docs;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every relative link and image of {@code README.md} and of the pages under {@code docs/} points to a file or folder
 * of the repository (web links with a scheme, such as {@code https:}, and pure {@code #anchors} are not checked; an
 * anchor after a path is dropped), and every file under {@code docs/} is linked from some page, so that nothing there
 * is unreachable. Links inside code (fenced blocks and {@code `spans`}) are not links.
 */
class DocsLinksTest {

    /** [text](target "title") and ![alt](target), the text allowing one level of nested brackets. */
    private static final Pattern INLINE = Pattern.compile(
            "!?\\[(?:[^\\[\\]]++|\\[[^\\[\\]]*+\\])*+\\]\\(\\s*(<[^>\\n]*>|[^\\s)]+)(?:\\s+(?:\"[^\"]*\"|'[^']*'))?\\s*\\)");
    /** [label]: target */
    private static final Pattern DEFINITION = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:\\s*(<[^>\\n]*>|\\S+)");
    /** <img src="..."> and <a href="..."> */
    private static final Pattern HTML = Pattern.compile("(?i)<(?:img|a|source)\\s[^>]*?(?:src|href)\\s*=\\s*\"([^\"]*)\"");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    @TestFactory
    List<DynamicTest> relativeLinksResolve() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path page : MarkdownPages.pages()) {
            tests.add(DynamicTest.dynamicTest(MarkdownPages.name(page), () -> {
                List<String> broken = new ArrayList<>();
                for (Link link : links(page)) {
                    Path target = link.target();
                    if (target == null) {
                        continue;
                    }
                    if (!target.startsWith(MarkdownPages.ROOT)) {
                        broken.add(link + " (leaves the repository)");
                    } else if (!Files.exists(target)) {
                        broken.add(link + " (no such file: " + MarkdownPages.name(target) + ")");
                    }
                }
                assertTrue(broken.isEmpty(), MarkdownPages.name(page) + " has broken links:\n  "
                        + String.join("\n  ", broken));
            }));
        }
        return tests;
    }

    @Test
    void everyFileUnderDocsIsLinked() {
        Set<Path> linked = new LinkedHashSet<>();
        for (Path page : MarkdownPages.pages()) {
            for (Link link : links(page)) {
                if (link.target() != null) {
                    linked.add(link.target());
                }
            }
        }
        List<String> orphans = new ArrayList<>();
        for (Path file : MarkdownPages.files(MarkdownPages.ROOT.resolve("docs"))) {
            if (!linked.contains(file)) {
                orphans.add(MarkdownPages.name(file));
            }
        }
        assertTrue(orphans.isEmpty(), "files under docs/ that no page links to:\n  " + String.join("\n  ", orphans));
    }

    /** A link as written on a page, and the line it is on. */
    record Link(Path page, int line, String raw) {

        /** The file the link points to, or null for a web link or a pure anchor. */
        Path target() {
            String t = raw;
            if (t.startsWith("<") && t.endsWith(">")) {
                t = t.substring(1, t.length() - 1);
            }
            if (t.isEmpty() || t.startsWith("#") || SCHEME.matcher(t).find()) {
                return null;
            }
            int cut = t.indexOf('#');
            if (cut >= 0) {
                t = t.substring(0, cut);
            }
            cut = t.indexOf('?');
            if (cut >= 0) {
                t = t.substring(0, cut);
            }
            t = URLDecoder.decode(t.replace("+", "%2B"), StandardCharsets.UTF_8);
            Path base = t.startsWith("/") ? MarkdownPages.ROOT : page.getParent();
            return base.resolve(t.startsWith("/") ? t.substring(1) : t).normalize();
        }

        @Override
        public String toString() {
            return MarkdownPages.name(page) + ":" + line + " -> " + raw;
        }
    }

    /** The links and images of a page outside code. */
    static List<Link> links(Path page) {
        String prose = withoutCodeSpans(MarkdownPages.withoutFencedCode(page));
        List<Link> links = new ArrayList<>();
        for (Pattern p : new Pattern[]{INLINE, DEFINITION, HTML}) {
            Matcher m = p.matcher(prose);
            while (m.find()) {
                links.add(new Link(page, lineOf(prose, m.start()), m.group(1)));
            }
        }
        return links;
    }

    /**
     * The text with its inline code spans blanked (newlines kept): a run of n backticks opens a span that the next run
     * of exactly n backticks closes, within the same paragraph; a run that is never closed is literal text.
     */
    static String withoutCodeSpans(String text) {
        char[] out = text.toCharArray();
        int i = 0;
        while (i < out.length) {
            if (out[i] != '`') {
                i++;
                continue;
            }
            int n = run(text, i);
            int close = -1;
            int j = i + n;
            while (j < text.length()) {
                if (text.charAt(j) == '`') {
                    int m = run(text, j);
                    if (m == n) {
                        close = j;
                        break;
                    }
                    j += m;
                } else if (text.charAt(j) == '\n' && blankLineFollows(text, j + 1)) {
                    break;
                } else {
                    j++;
                }
            }
            if (close < 0) {
                i += n;
                continue;
            }
            for (int k = i; k < close + n; k++) {
                if (out[k] != '\n') {
                    out[k] = ' ';
                }
            }
            i = close + n;
        }
        return new String(out);
    }

    /** Whether the line that starts at {@code from} is blank (a paragraph ends there). */
    private static boolean blankLineFollows(String text, int from) {
        for (int k = from; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '\n') {
                return true;
            }
            if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    private static int run(String text, int from) {
        int n = 0;
        while (from + n < text.length() && text.charAt(from + n) == '`') {
            n++;
        }
        return n;
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
