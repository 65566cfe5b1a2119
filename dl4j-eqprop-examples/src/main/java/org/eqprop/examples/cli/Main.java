package org.eqprop.examples.cli;

import org.eqprop.dynamics.fused.FusedDenseRelaxation;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

import java.io.PrintStream;

/**
 * The {@code eqprop} command line ({@link Cli} declares its commands and options). Every command ends its stdout with
 * one JSON summary line (also on errors, with {@code "status": "error"}); exit code 0 on success, 2 on a usage error
 * or a bad value (refused before any work), 1 on any other failure.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] argv) {
        int code = run(argv, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        String command = argv.length == 0 ? "" : argv[0];
        CommandLine root = Cli.commandLine();
        CommandSpec context = root.getCommandSpec();
        try {
            ParseResult parsed;
            try {
                parsed = root.parseArgs(argv);
            } catch (CommandLine.ParameterException e) {
                context = e.getCommandLine().getCommandSpec();
                throw new Args.UsageException(Cli.message(e));
            }
            if (parsed.isUsageHelpRequested()) {
                out.print(Cli.usage(root.getCommandSpec()));
                out.println(new Json().put("command", "help").put("status", "ok"));
                return 0;
            }
            ParseResult sub = parsed.subcommand();
            if (sub == null) {
                throw new Args.UsageException("no command given");
            }
            context = sub.commandSpec();
            if (sub.isUsageHelpRequested()) {
                out.print(Cli.usage(context));
                out.println(new Json().put("command", "help").put("topic", context.name()).put("status", "ok"));
                return 0;
            }
            Cli.Entry entry = Cli.entry(context.name());
            if (entry.computes()) {
                FusedDenseRelaxation.useSingleThreadedBlas();
            }
            Json summary = entry.runner().run(Args.of(sub), out, err);
            out.println(summary.put("status", "ok"));
            return 0;
        } catch (Args.UsageException e) {
            err.println("error: " + e.getMessage());
            if (context.parent() == null) {
                err.print(Cli.usage(context));
            } else {
                err.println("usage: eqprop " + context.name() + " [OPTIONS]; 'eqprop " + context.name()
                        + " --help' lists them");
            }
            out.println(new Json().put("command", command).put("status", "error").put("error", e.getMessage()));
            return 2;
        } catch (Exception | OutOfMemoryError e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            err.println("error: " + msg);
            if (System.getenv("EQPROP_DEBUG") != null) {
                e.printStackTrace(err);
            }
            Json j = new Json().put("command", command).put("status", "error");
            if (e instanceof RunFailure f) {
                j.put("reason", f.reason());
                f.details().forEach(j::put);
            }
            out.println(j.put("error", msg));
            return 1;
        }
    }
}
