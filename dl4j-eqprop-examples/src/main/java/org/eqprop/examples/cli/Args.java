package org.eqprop.examples.cli;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The command line's {@code --name value} options and {@code --flag}s, with typed, validated getters. */
final class Args {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> used = new HashSet<>();

    Args(String[] argv, int from, Set<String> flags) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (flags.contains(name)) {
                values.put(name, "true");
            } else {
                if (i + 1 >= argv.length) {
                    throw new UsageException("option --" + name + " needs a value");
                }
                values.put(name, argv[++i]);
            }
        }
    }

    /** Options given as a map (name without dashes to value; "true" for a flag): a stored command line. */
    Args(Map<String, String> given) {
        values.putAll(given);
    }

    /** The options as given (name without dashes to value; "true" for a flag), in command-line order. */
    Map<String, String> given() {
        return java.util.Collections.unmodifiableMap(values);
    }

    String string(String name, String def) {
        used.add(name);
        return values.getOrDefault(name, def);
    }

    String required(String name) {
        String v = string(name, null);
        if (v == null) {
            throw new UsageException("missing required option --" + name);
        }
        return v;
    }

    int integer(String name, int def, int min) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        try {
            int x = Integer.parseInt(v);
            if (x < min) {
                throw new UsageException("--" + name + " must be >= " + min + ", got " + x);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    Integer optionalInteger(String name, int min) {
        used.add(name);
        if (!values.containsKey(name)) {
            return null;
        }
        return integer(name, 0, min);
    }

    Double optionalDouble(String name) {
        String v = string(name, null);
        if (v == null) {
            return null;
        }
        try {
            double x = Double.parseDouble(v);
            if (!Double.isFinite(x)) {
                throw new UsageException("--" + name + " must be finite, got " + v);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a number, got '" + v + "'");
        }
    }

    /** A number &gt; 0, or {@code def} when absent. */
    double positiveDouble(String name, double def) {
        Double x = optionalDouble(name);
        if (x != null && !(x > 0)) {
            throw new UsageException("--" + name + " must be > 0, got " + x);
        }
        return x == null ? def : x;
    }

    /** A number &gt;= 0, or {@code def} when absent. */
    double nonNegativeDouble(String name, double def) {
        Double x = optionalDouble(name);
        if (x != null && !(x >= 0)) {
            throw new UsageException("--" + name + " must be >= 0, got " + x);
        }
        return x == null ? def : x;
    }

    long longValue(String name, long def) {
        String v = string(name, null);
        try {
            return v == null ? def : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(string(name, "false"));
    }

    Path path(String name) {
        String v = string(name, null);
        return v == null ? null : Paths.get(v);
    }

    /** True when the option was on the command line. */
    boolean wasGiven(String name) {
        return values.containsKey(name);
    }

    /** Rejects options that no getter asked for (typos). */
    void rejectUnknown() {
        for (String k : values.keySet()) {
            if (!used.contains(k)) {
                throw new UsageException("unknown option --" + k);
            }
        }
    }

    /**
     * Refuses an output path that is one of the command's inputs (the same file, through any spelling or link): the
     * output would replace the input.
     */
    static void requireDistinct(Path output, String outputOption, Path input, String inputOption) {
        boolean same;
        try {
            same = java.nio.file.Files.exists(output) && java.nio.file.Files.exists(input)
                    ? java.nio.file.Files.isSameFile(output, input)
                    : output.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize());
        } catch (java.io.IOException e) {
            same = output.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize());
        }
        if (same) {
            throw new UsageException(outputOption + " " + output + " is the " + inputOption + " file this command "
                    + "reads: writing it would destroy the input; choose another " + outputOption);
        }
    }

    /** A usage error: exit code 2 with the message. */
    static final class UsageException extends RuntimeException {
        UsageException(String m) {
            super(m);
        }
    }
}
