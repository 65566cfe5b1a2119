package org.eqprop.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one command line gave a command, as picocli parsed it against the command's declared options
 * ({@link Options}): the values as given (already checked against their declared type and range), read by typed
 * getters. A getter's fallback is the option's declared default; a getter may pass its own only for an option that
 * declares none (a default that depends on other options, or the preset's value). Reading an option the command does
 * not declare is a programming error ({@link IllegalStateException}).
 */
final class Args {

    private final CommandSpec spec;
    private final Map<String, String> values;
    private final List<String> positionals;
    private final Set<String> used = new HashSet<>();

    private Args(CommandSpec spec, Map<String, String> values, List<String> positionals) {
        this.spec = spec;
        this.values = values;
        this.positionals = positionals;
    }

    /** The options and arguments a parsed command line gave its (sub)command, in command-line order. */
    static Args of(ParseResult parsed) {
        Map<String, String> values = new LinkedHashMap<>();
        for (OptionSpec o : parsed.matchedOptions()) {
            if (o.usageHelp()) {
                continue;
            }
            List<String> given = o.originalStringValues();
            if (given.size() > 1) {
                throw new UsageException("option " + o.longestName() + " is given twice" + (o.arity().max() == 0
                        ? "" : " (" + String.join(", ", given) + ")"));
            }
            values.put(Options.key(o), o.arity().max() == 0 ? "true" : given.get(0));
        }
        List<String> positionals = new ArrayList<>();
        for (PositionalParamSpec p : parsed.matchedPositionals()) {
            positionals.addAll(p.originalStringValues());
        }
        return new Args(parsed.commandSpec(), values, positionals);
    }

    /**
     * The same command with these options instead (name without dashes to value; "true" for a flag, as
     * {@link #given} returns them): a stored command line, parsed and checked again.
     */
    Args withOptions(Map<String, String> options) {
        List<String> argv = new ArrayList<>();
        for (Map.Entry<String, String> e : options.entrySet()) {
            OptionSpec o = spec.findOption("--" + e.getKey());
            if (o != null && o.arity().max() == 0) {
                if (Boolean.parseBoolean(e.getValue())) {
                    argv.add("--" + e.getKey());
                }
            } else {
                argv.add("--" + e.getKey() + "=" + e.getValue());
            }
        }
        try {
            return of(spec.commandLine().parseArgs(argv.toArray(new String[0])));
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(Cli.message(e));
        }
    }

    /** The command these options belong to. */
    CommandSpec spec() {
        return spec;
    }

    /** The options as given (name without dashes to value; "true" for a flag), in command-line order. */
    Map<String, String> given() {
        return Collections.unmodifiableMap(values);
    }

    /** The positional arguments, in order. */
    List<String> positionals() {
        return Collections.unmodifiableList(positionals);
    }

    /** The value given, else the declared default (null if none). */
    String string(String name) {
        OptionSpec o = option(name);
        used.add(name);
        String v = values.get(name);
        return v != null ? v : o.defaultValue();
    }

    /** The value given, else the declared default, else {@code def}. */
    String string(String name, String def) {
        String v = string(name);
        if (def != null && option(name).defaultValue() != null) {
            throw new IllegalStateException("--" + name + " declares the default " + option(name).defaultValue()
                    + "; read it without another");
        }
        return v != null ? v : def;
    }

    String required(String name) {
        String v = string(name);
        if (v == null) {
            throw new UsageException("missing required option --" + name);
        }
        return v;
    }

    /** An integer given or declared by default. */
    int integer(String name) {
        return Options.parseInt("--" + name, required(name), Integer.MIN_VALUE);
    }

    /** An integer of at least {@code min}, or {@code def} when absent (for an option without a declared default). */
    int integer(String name, int def, int min) {
        String v = string(name, Integer.toString(def));
        return values.containsKey(name) ? Options.parseInt("--" + name, v, min) : def;
    }

    /** The integer given (at least {@code min}) or declared by default, else null. */
    Integer optionalInteger(String name, int min) {
        String v = string(name);
        return v == null ? null : Options.parseInt("--" + name, v, min);
    }

    /** The number given or declared by default, else null. */
    Double optionalDouble(String name) {
        String v = string(name);
        return v == null ? null : Options.parseDouble("--" + name, v, Options.Range.ANY);
    }

    /** A number given or declared by default. */
    double number(String name) {
        return Options.parseDouble("--" + name, required(name), Options.Range.ANY);
    }

    /** A number &gt; 0, or {@code def} when absent. */
    double positiveDouble(String name, double def) {
        String v = string(name, Double.toString(def));
        return values.containsKey(name) ? Options.parseDouble("--" + name, v, Options.Range.POSITIVE) : def;
    }

    /** A number &gt;= 0, or {@code def} when absent. */
    double nonNegativeDouble(String name, double def) {
        String v = string(name, Double.toString(def));
        return values.containsKey(name) ? Options.parseDouble("--" + name, v, Options.Range.NON_NEGATIVE) : def;
    }

    /** A 64-bit integer given or declared by default. */
    long longValue(String name) {
        return Options.parseLong("--" + name, required(name));
    }

    long longValue(String name, long def) {
        String v = string(name, Long.toString(def));
        return values.containsKey(name) ? Options.parseLong("--" + name, v) : def;
    }

    boolean flag(String name) {
        if (option(name).arity().max() != 0) {
            throw new IllegalStateException("--" + name + " takes a value: it is not a flag");
        }
        return Boolean.parseBoolean(string(name, "false"));
    }

    /** The path given or declared by default, else null. */
    Path path(String name) {
        String v = string(name);
        return v == null ? null : Options.parsePath("--" + name, v);
    }

    /** True when the option was on the command line. */
    boolean wasGiven(String name) {
        option(name);
        return values.containsKey(name);
    }

    /**
     * Refuses options that were given but that the command did not read: they belong to another of its modes (the
     * logic-gate options of {@code deep} given with {@code --task mnist}, say), and would silently do nothing.
     */
    void rejectUnused() {
        for (String k : values.keySet()) {
            if (!used.contains(k)) {
                throw new UsageException("--" + k + " does not apply to this " + spec.name() + " command line");
            }
        }
    }

    /** The names of the options read so far (without dashes). */
    Set<String> read() {
        return Collections.unmodifiableSet(used);
    }

    private OptionSpec option(String name) {
        OptionSpec o = spec.findOption("--" + name);
        if (o == null) {
            throw new IllegalStateException("command " + spec.name() + " reads --" + name + " but does not declare "
                    + "it");
        }
        return o;
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
