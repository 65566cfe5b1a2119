package org.eqprop.examples.cli;

import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The description, arguments, option list and footer of a command's help, laid out from its picocli model. picocli's own layout
 * breaks lines inside words that contain a dot or a slash ({@code model.} / {@code zip}, {@code docs/} /
 * {@code cuda.md}); this one breaks at spaces only. It also shows an option's declared default.
 */
final class HelpText {

    /** Where option descriptions start. */
    static final int COLUMN = 29;

    private HelpText() {
    }

    /** Lays out the description, arguments, options and footer of this command (read when its help is shown). */
    static void install(CommandSpec spec) {
        UsageMessageSpec u = spec.usageMessage();
        u.sectionMap().put(UsageMessageSpec.SECTION_KEY_DESCRIPTION, help -> paragraphs(u.description(), u.width()));
        u.sectionMap().put(UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, help -> arguments(spec, u.width()));
        u.sectionMap().put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> options(spec, u.width()));
        u.sectionMap().put(UsageMessageSpec.SECTION_KEY_FOOTER, help -> paragraphs(u.footer(), u.width()));
    }

    /** Lines, each wrapped at spaces to the width, continuation lines indented as the line itself. */
    static String paragraphs(String[] lines, int width) {
        StringBuilder b = new StringBuilder();
        for (String line : lines) {
            String text = plain(line).stripTrailing();
            if (text.length() <= width) {
                b.append(text).append('\n');
                continue;
            }
            int indent = text.length() - text.stripLeading().length();
            for (String l : wrap(text.strip(), width - indent)) {
                b.append(" ".repeat(indent)).append(l).append('\n');
            }
        }
        return b.toString();
    }

    /** The options without a group, then each group under its heading. */
    static String options(CommandSpec spec, int width) {
        StringBuilder b = new StringBuilder();
        Set<ArgSpec> grouped = new HashSet<>();
        for (ArgGroupSpec g : spec.argGroups()) {
            grouped.addAll(g.args());
        }
        for (OptionSpec o : spec.options()) {
            if (!grouped.contains(o) && !o.hidden()) {
                option(b, o, width);
            }
        }
        for (ArgGroupSpec g : spec.argGroups()) {
            b.append('\n').append(plain(g.heading())).append('\n');
            for (ArgSpec a : g.args()) {
                if (a instanceof OptionSpec o && !o.hidden()) {
                    option(b, o, width);
                }
            }
        }
        return b.toString();
    }

    /** The positional arguments, as {@code [NAME]} when optional. */
    static String arguments(CommandSpec spec, int width) {
        StringBuilder b = new StringBuilder();
        for (PositionalParamSpec p : spec.positionalParameters()) {
            String label = p.arity().min() == 0 ? "[" + p.paramLabel() + "]" : p.paramLabel();
            row(b, "      " + label, plain(String.join(" ", p.description())), width);
        }
        return b.toString();
    }

    private static void option(StringBuilder b, OptionSpec o, int width) {
        String[] names = o.names();
        String shortName = names.length > 1 ? names[0] : null;
        String names0 = (shortName == null ? "    " : shortName + ", ") + o.longestName()
                + (o.arity().max() == 0 ? "" : "=" + o.paramLabel());
        String description = plain(String.join(" ", o.description()));
        if (o.defaultValue() != null && o.arity().max() != 0) {
            description += "; default " + o.defaultValue();
        }
        row(b, "  " + names0, description, width);
    }

    /** One entry: its names, then its description from {@link #COLUMN} on (on the next line if the names are long). */
    private static void row(StringBuilder b, String head, String description, int width) {
        List<String> lines = wrap(description, width - COLUMN - 2);
        if (head.length() < COLUMN - 1) {
            b.append(head).append(" ".repeat(COLUMN - head.length()));
        } else {
            b.append(head).append('\n').append(" ".repeat(COLUMN));
        }
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) {
                b.append(" ".repeat(COLUMN + 2));
            }
            b.append(lines.get(i)).append('\n');
        }
    }

    /** Words joined into lines of at most {@code width} characters (a longer word stands alone). */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" +")) {
            if (word.isEmpty()) {
                continue;
            }
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word);
        }
        if (line.length() > 0 || lines.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** Text as shown: the escapes of picocli's formatting ({@link Cli#literal}) undone. */
    static String plain(String text) {
        return text.replace("%%", "%").replace("$${", "${");
    }
}
