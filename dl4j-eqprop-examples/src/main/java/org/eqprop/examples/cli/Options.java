package org.eqprop.examples.cli;

import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;

/**
 * Declares the options of the commands on picocli: each factory returns a builder with the option's name, value label,
 * type and a converter that refuses a bad value at parse time with the message the command line has always given
 * ({@code --beta must be > 0, got -1}); the caller adds the description, and a default where there is a fixed one.
 * {@link Args} reads the values back through the same parse functions.
 */
final class Options {

    private Options() {
    }

    /** An integer option of at least {@code min}; the help shows the bound. */
    static OptionSpec.Builder integer(String name, String label, int min, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(Integer.class)
                .converters(v -> parseInt(name, v, min)).description(Cli.literal(bounded(description, ">= " + min)));
    }

    /** A 64-bit integer (a seed). */
    static OptionSpec.Builder longInteger(String name, String label, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(Long.class).converters(v -> parseLong(name, v))
                .description(Cli.literal(description));
    }

    /** A finite number within {@code range}; the help shows the range. */
    static OptionSpec.Builder number(String name, String label, Range range, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(Double.class)
                .converters(v -> parseDouble(name, v, range))
                .description(Cli.literal(range.equals(Range.ANY) ? description
                        : bounded(description, range.toString())));
    }

    /** Free text, checked by the command (a list, a name known to the library, ...). */
    static OptionSpec.Builder text(String name, String label, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(String.class).description(Cli.literal(description));
    }

    /**
     * One of the given names, shown as {@code a|b|c} and offered by the bash completion; the command (or the library
     * that owns the names) checks the value, so that the message names the valid ones where they are defined.
     */
    static OptionSpec.Builder choice(String name, List<String> names, String description) {
        return OptionSpec.builder(name).paramLabel(String.join("|", names)).type(String.class)
                .completionCandidates(names).description(Cli.literal(description));
    }

    /** A file or folder (completed as a path). */
    static OptionSpec.Builder path(String name, String label, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(Path.class).converters(v -> parsePath(name, v))
                .description(Cli.literal(description));
    }

    /** An option without a value: given or not. It never takes the next argument as its value. */
    static OptionSpec.Builder flag(String name, String description) {
        return OptionSpec.builder(name).arity("0").type(boolean.class).description(Cli.literal(description));
    }

    /**
     * The option of one component of a settings record ({@code RelaxationSettings.freeSteps} is {@code --free-steps}):
     * a flag for a boolean, the choices of an enum, else a number; its help is the component's {@link
     * org.eqprop.util.Setting} text, then {@code note} (what the command line adds, or null). The record checks the
     * value when {@link Preset#override} applies it.
     */
    static OptionSpec.Builder setting(Record defaults, org.eqprop.util.Records.Component c, String note) {
        String name = "--" + c.kebabName();
        String help = c.doc().value() + (note == null ? "" : "; " + note);
        String label = c.doc().label().isEmpty() ? "V" : c.doc().label();
        if (c.isFlag()) {
            return flag(name, help);
        }
        // each value is checked at parse time by the record itself, applied to its defaults
        picocli.CommandLine.ITypeConverter<String> check = v -> {
            applySetting(defaults, c, v);
            return v;
        };
        if (c.choices() != null) {
            List<String> names = java.util.Arrays.stream(c.type().getEnumConstants())
                    .map(e -> ((org.eqprop.util.Named) e).cliName()).toList();
            return choice(name, names, help).converters(check);
        }
        return OptionSpec.builder(name).paramLabel(label).type(String.class).converters(check)
                .description(Cli.literal(help));
    }

    /**
     * {@code settings} with component {@code c} set to {@code value}; a value the record refuses is a usage error
     * that names the option: "--free-steps must be >= 1, got 0".
     */
    static <R extends Record> R applySetting(R settings, org.eqprop.util.Records.Component c, Object value) {
        try {
            return org.eqprop.util.Records.with(settings, c.name(), value);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage().replaceFirst("^[A-Za-z]+: ", "")
                    .replaceFirst("^([A-Za-z]+Settings\\.)?" + c.name() + "\\b", "--" + c.kebabName());
            throw new Args.UsageException(m.startsWith("--") ? m : "--" + c.kebabName() + ": " + m);
        }
    }

    /** {@code --data-dir DIR}, where the data set is read from ({@link org.eqprop.data.DataLocator}). */
    static OptionSpec.Builder dataDir() {
        return path("--data-dir", "DIR", "folder of the data set (binding: nothing else is searched); default "
                + "$EQPROP_DATA_DIR, else ~/.deeplearning4j, else a download");
    }

    /** {@code --sizes W,W,...}: the widths of a random network (the command parses the list). */
    static OptionSpec.Builder sizes() {
        return text("--sizes", "W,W[,W...]", "widths: the input, then each layer");
    }

    /** {@code --train-limit N}: the first N training examples. */
    static OptionSpec.Builder trainLimit() {
        return integer("--train-limit", "N", 1, "train on the first N training examples; default all");
    }

    /** {@code --test-limit N}: the first N test examples. */
    static OptionSpec.Builder testLimit() {
        return integer("--test-limit", "N", 1, "test on the first N test examples; default all");
    }

    /** The description with the accepted values appended: "free steps (>= 1)". */
    private static String bounded(String description, String bound) {
        return description + " (" + bound + ")";
    }

    /** The name without its dashes ({@code --free-steps} is {@code free-steps}), as {@link Args} knows it. */
    static String key(OptionSpec o) {
        return o.longestName().replaceFirst("^-+", "");
    }

    static int parseInt(String name, String v, int min) {
        long x = parseLong(name, v);
        if (x != (int) x) {
            throw new Args.UsageException(name + " is out of range, got " + v.trim());
        }
        if (x < min) {
            throw new Args.UsageException(name + " must be >= " + min + ", got " + x);
        }
        return (int) x;
    }

    static long parseLong(String name, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new Args.UsageException(name + " expects an integer, got '" + v + "'");
        }
    }

    static double parseDouble(String name, String v, Range range) {
        double x;
        try {
            x = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new Args.UsageException(name + " expects a number, got '" + v + "'");
        }
        if (!Double.isFinite(x)) {
            throw new Args.UsageException(name + " must be finite, got " + v);
        }
        if (!range.contains(x)) {
            throw new Args.UsageException(name + " must be " + range + ", got " + v.trim());
        }
        return x;
    }

    static Path parsePath(String name, String v) {
        try {
            return Paths.get(v);
        } catch (InvalidPathException e) {
            throw new Args.UsageException(name + " is not a usable path: " + e.getMessage());
        }
    }

    /** The values a number may take: a lower and an upper bound, each open or closed, or none. */
    record Range(double low, boolean lowOpen, double high, boolean highOpen) {

        static final Range ANY = new Range(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false);
        static final Range POSITIVE = new Range(0, true, Double.POSITIVE_INFINITY, false);
        static final Range NON_NEGATIVE = new Range(0, false, Double.POSITIVE_INFINITY, false);

        /** [low, high) */
        static Range closedOpen(double low, double high) {
            return new Range(low, false, high, true);
        }

        /** (low, high] */
        static Range openClosed(double low, double high) {
            return new Range(low, true, high, false);
        }

        boolean contains(double x) {
            return (lowOpen ? x > low : x >= low) && (highOpen ? x < high : x <= high);
        }

        /** "> 0", ">= 0", "in [0, 1)", or "finite" when unbounded. */
        @Override
        public String toString() {
            boolean lowBound = low != Double.NEGATIVE_INFINITY;
            boolean highBound = high != Double.POSITIVE_INFINITY;
            if (lowBound && highBound) {
                return "in " + (lowOpen ? "(" : "[") + number(low) + ", " + number(high) + (highOpen ? ")" : "]");
            }
            if (lowBound) {
                return (lowOpen ? "> " : ">= ") + number(low);
            }
            if (highBound) {
                return (highOpen ? "< " : "<= ") + number(high);
            }
            return "finite";
        }

        private static String number(double x) {
            return x == Math.rint(x) ? Long.toString((long) x) : String.format(Locale.ROOT, "%s", x);
        }
    }
}
