package org.eqprop.examples.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line's parsing on picocli: both spellings of a value, flags, the refusals of unknown options and bad
 * values (exit code 2 and the JSON error line, before any work), the generated help, {@code info} and the bash
 * completion.
 */
class CliParsingTest {

    /** The options a command line gives its command, as the commands read them. */
    static Args parse(String... argv) {
        CommandLine.ParseResult parsed = Cli.commandLine().parseArgs(argv);
        return Args.of(parsed.subcommand());
    }

    @Test
    void anAttachedValueAndASeparateOneAreTheSame() {
        Args separate = parse("train", "--preset", "mnist-fc1", "--beta", "0.3", "--free-steps", "7", "--estimator",
                "one-sided", "--out", "runs/x");
        Args attached = parse("train", "--preset=mnist-fc1", "--beta=0.3", "--free-steps=7", "--estimator=one-sided",
                "--out=runs/x");
        assertEquals(separate.given(), attached.given());
        Preset a = Preset.named(separate.required("preset")).override(separate);
        Preset b = Preset.named(attached.required("preset")).override(attached);
        assertEquals(0.3, a.estimation.beta());
        assertEquals(7, a.relaxation.freeSteps());
        assertEquals(org.eqprop.estimators.GradientEstimator.Kind.ONE_SIDED, b.estimation.estimator());
        assertEquals(a.relaxation, b.relaxation);
        assertEquals(a.estimation, b.estimation);
        assertEquals(Path.of("runs/x"), attached.path("out"));
    }

    @Test
    void aFlagNeverTakesTheNextArgument() {
        Args a = parse("train", "--preset", "mnist-fc1", "--resume", "--epochs", "3", "--doubled-batch");
        assertTrue(a.flag("resume"));
        assertEquals(3, a.optionalInteger("epochs", 1));
        assertTrue(a.flag("doubled-batch"));
        assertFalse(a.flag("overwrite"));
        assertEquals(Map.of("preset", "mnist-fc1", "resume", "true", "epochs", "3", "doubled-batch", "true"),
                a.given());
        // a flag given a value is refused rather than read
        CliTest.Result r = CliTest.run("train", "--preset", "mnist-fc1", "--resume=true");
        assertEquals(2, r.code());
        assertTrue(r.lastLine().contains("--resume is a flag"), r.lastLine());
    }

    @Test
    void negativeNumbersAreValues() {
        Args a = parse("train", "--preset", "mnist-fc1", "--bias-voltage", "-0.5", "--diode-low=-2");
        assertEquals(-0.5, a.optionalDouble("bias-voltage"));
        assertEquals(-2.0, a.optionalDouble("diode-low"));
    }

    @Test
    void noCommandIsAUsageErrorWithTheUsageAndAJsonLine() {
        CliTest.Result r = CliTest.run();
        assertEquals(2, r.code());
        assertTrue(r.lastLine().startsWith("{\"command\": \"\", \"status\": \"error\""), r.lastLine());
        assertTrue(r.lastLine().contains("no command given"), r.lastLine());
        assertTrue(r.err().contains("usage: eqprop COMMAND") && r.err().contains("train"), r.err());
    }

    @Test
    void unknownOptionsAndCommandsAreNamedWithTheNearestKnownOne() {
        CliTest.Result option = CliTest.run("bench", "--preset", "mnist-fc1", "--iteratoins", "3");
        assertEquals(2, option.code());
        assertTrue(option.lastLine().contains("\"status\": \"error\"") && option.lastLine().contains(
                "unknown option --iteratoins (did you mean --iterations?)"), option.lastLine());
        CliTest.Result command = CliTest.run("trian", "--preset", "mnist-fc1");
        assertEquals(2, command.code());
        assertTrue(command.lastLine().contains("unknown command 'trian' (did you mean train?)"), command.lastLine());
        CliTest.Result positional = CliTest.run("evaluate", "--model", "m.zip", "extra");
        assertEquals(2, positional.code());
        assertTrue(positional.lastLine().contains("unexpected argument 'extra'"), positional.lastLine());
        CliTest.Result twice = CliTest.run("train", "--preset", "mnist-fc1", "--beta", "0.1", "--beta", "0.2");
        assertEquals(2, twice.code());
        assertTrue(twice.lastLine().contains("--beta is given twice (0.1, 0.2)"), twice.lastLine());
        CliTest.Result missing = CliTest.run("train", "--preset", "mnist-fc1", "--epochs");
        assertEquals(2, missing.code());
        assertTrue(missing.lastLine().contains("option --epochs needs a value"), missing.lastLine());
        CliTest.Result required = CliTest.run("export", "--out", "x.npz");
        assertEquals(2, required.code());
        assertTrue(required.lastLine().contains("missing required option --model"), required.lastLine());
    }

    @Test
    void badValuesAreRefusedBeforeAnyDataIsRead(@TempDir Path dir) {
        Path out = dir.resolve("run");
        // the data folder does not exist: reading it would fail with exit code 1, not 2
        for (String[] bad : List.of(new String[]{"--beta", "0"}, new String[]{"--beta=-1"},
                new String[]{"--free-steps", "zero"}, new String[]{"--momentum", "1"},
                new String[]{"--epochs", "0"}, new String[]{"--seed", "1.5"})) {
            String[] argv = new String[6 + bad.length];
            System.arraycopy(new String[]{"train", "--preset", "mnist-fc1", "--data-dir",
                    dir.resolve("no-data").toString(), "--out=" + out}, 0, argv, 0, 6);
            System.arraycopy(bad, 0, argv, 6, bad.length);
            CliTest.Result r = CliTest.run(argv);
            assertEquals(2, r.code(), String.join(" ", bad) + ": " + r.lastLine());
            assertTrue(r.lastLine().startsWith("{\"command\": \"train\", \"status\": \"error\", \"error\": \""),
                    r.lastLine());
        }
        assertFalse(Files.exists(out), "a refused command line creates no run folder");
        assertTrue(CliTest.run("train", "--preset", "mnist-fc1", "--beta", "-1").lastLine()
                .contains("\"error\": \"--beta must be finite and > 0 for the nudged phases, got -1.0\""));
        assertTrue(CliTest.run("train", "--preset", "mnist-fc1", "--free-steps", "zero").lastLine()
                .contains("\"error\": \"--free-steps expects an integer, got 'zero'\""));
        assertTrue(CliTest.run("train", "--preset", "mnist-fc1", "--momentum", "1").lastLine()
                .contains("\"error\": \"--momentum must be in [0, 1), got 1\""));
    }

    @Test
    void optionsOfAnotherModeOfTheCommandAreRefused() {
        CliTest.Result r = CliTest.run("deep", "--task", "mnist", "--runs", "3");
        assertEquals(2, r.code());
        assertTrue(r.lastLine().contains("--runs does not apply to this deep command line"), r.lastLine());
    }

    @Test
    void helpOfTheCommandLineAndOfEachCommand() {
        CliTest.Result top = CliTest.run("--help");
        assertEquals(0, top.code());
        for (Cli.Entry e : Cli.COMMANDS) {
            String name = e.declaration().get().name();
            assertTrue(top.out().contains("\n  " + name + " "), name + " in\n" + top.out());
        }
        assertEquals("{\"command\": \"help\", \"status\": \"ok\"}", top.lastLine());

        CliTest.Result train = CliTest.run("train", "--help");
        assertEquals(0, train.code(), train.err());
        for (String option : List.of("--preset=PRESET", "--beta=BETA", "--resume", "--checkpoint-every=N",
                "--spark=MASTER", "--estimator=symmetric|one-sided", "--sign-only", "--lambda-decay=ETA",
                "--no-divergence-check")) {
            assertTrue(train.out().contains(option), option + " in\n" + train.out());
        }
        assertTrue(train.out().contains("--seed=S               seed of the weights and the data order; default 1234"),
                train.out());
        assertTrue(train.out().contains("--beta=BETA            nudging strength beta > 0"), train.out());
        assertEquals("{\"command\": \"help\", \"topic\": \"train\", \"status\": \"ok\"}", train.lastLine());
        assertEquals(train.out(), CliTest.run("help", "train").out());
        assertEquals(train.out().split("\n").length, CliTest.run("train", "-h").out().split("\n").length);

        // every line of every help fits the width, and the layout breaks lines at spaces only
        for (Cli.Entry e : Cli.COMMANDS) {
            CliTest.Result help = CliTest.run(e.declaration().get().name(), "--help");
            String text = help.out().substring(0, help.out().lastIndexOf(help.lastLine()));
            for (String line : text.split("\n")) {
                assertTrue(line.length() <= Cli.WIDTH, "too long: " + line);
            }
        }
        assertTrue(train.out().contains(" model.zip (the last epoch), model-best.zip"), train.out());
    }

    @Test
    void infoPrintsTheEngineAndTheDataLocationsAsJson(@TempDir Path dir) throws IOException {
        Path data = CliTest.writeData(dir.resolve("data"), 10, 10);
        CliTest.Result r = CliTest.run("info", "--data-dir", data.toString());
        assertEquals(0, r.code(), r.err());
        String json = r.lastLine();
        assertTrue(json.startsWith("{\"command\": \"info\", \"versions\": {\"eqprop\": \""), json);
        assertTrue(json.contains("\"deeplearning4j\": \"1.0.0-M2.1\""), json);
        assertTrue(json.contains("\"engine\": {\"choice\": \"auto\", \"runs\": \""), json);
        assertTrue(json.contains("\"mnist\": {\"found\": true, \"location\": \"" + data.toAbsolutePath()
                + "\", \"source\": \"--data-dir\"}"), json);
        assertTrue(json.contains("\"cifar10\": {\"found\": false"), json);
        assertTrue(json.contains("\"status\": \"ok\"}"), json);
        // what runs the convolutions, and whether bf16 operands would: the rule's own answer
        assertTrue(json.contains("\"convolutions\": {\"library\": \""
                + (org.eqprop.interactions.ConvPoolInteraction.onednnAvailable() ? "onednn" : "im2col")), json);
        assertTrue(json.contains("\"bf16\": " + org.eqprop.interactions.ConvPoolInteraction.bf16Available()), json);
        assertTrue(r.out().contains("bf16 operands"), r.out());
        assertEquals(2, CliTest.run("info", "--engine", "gpu").code());
    }

    @Test
    void infoReadsTheCpuFeaturesAndExplainsTheEngineChoice() {
        java.util.Map<String, Object> cpu = InfoCommand.cpu(List.of("processor\t: 0", "model name\t: Test CPU 9000",
                "flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512_bf16 ht"));
        assertEquals("Test CPU 9000", cpu.get("model"));
        assertEquals(List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16"), cpu.get("features"));
        assertEquals(null, InfoCommand.cpu(null).get("features"));

        Map<String, Object> none = InfoCommand.engine("auto", null, List.of("cuda: unavailable, no driver"),
                "scalar");
        assertTrue(((String) none.get("runs")).startsWith("fused-cpu (scalar kernels)"), none.toString());
        assertEquals("no usable GPU: cuda: unavailable, no driver", none.get("why"));
        Map<String, Object> absent = InfoCommand.engine("cuda", null, List.of(), "vector-api");
        assertTrue(((String) absent.get("why")).contains("module dl4j-eqprop-cuda is not on the class path"),
                absent.toString());
        assertEquals("reference", InfoCommand.engine("reference", null, List.of(), "scalar").get("runs"));
    }

    @Test
    void completionScriptCompletesEveryCommandAndReturnsBeforeTheJsonLine() {
        CliTest.Result r = CliTest.run("completion");
        assertEquals(0, r.code(), r.err());
        String script = r.out();
        assertTrue(script.startsWith("#!/usr/bin/env bash"), script.substring(0, 40));
        assertTrue(script.contains("complete -F _complete_eqprop"), "registers the function");
        for (Cli.Entry e : Cli.COMMANDS) {
            String name = e.declaration().get().name();
            assertTrue(script.contains("'" + name + "'") || script.contains(" " + name + " ")
                    || script.contains("\"" + name + "\""), name);
        }
        assertTrue(script.contains("\"mnist-fc1\" \"mnist-fc2\""), "the presets are completion values");
        int ret = script.lastIndexOf("return 0 2>/dev/null || exit 0\n");
        assertTrue(ret > 0 && ret < script.indexOf("{\"command\": \"completion\""), "returns before the JSON line");
        assertEquals("{\"command\": \"completion\", \"shell\": \"bash\", \"status\": \"ok\"}", r.lastLine());
    }

    @Test
    void aStoredCommandLineParsesToTheSameOptions() {
        Args a = parse("train", "--preset", "mnist-fc1", "--resume", "--beta=0.25", "--data-dir", "d",
                "--learning-rates", "0.1,0.05");
        Args again = a.withOptions(a.given());
        assertEquals(a.given(), again.given());
        assertTrue(again.flag("resume"));
        Args.UsageException bad = assertThrows(Args.UsageException.class,
                () -> a.withOptions(Map.of("preset", "mnist-fc1", "beta", "0")));
        assertEquals("--beta must be finite and > 0 for the nudged phases, got 0.0", bad.getMessage());
    }

    @Test
    void readingAnUndeclaredOptionOrASecondDefaultIsAProgrammingError() {
        Args a = parse("bench", "--preset", "mnist-fc1");
        assertThrows(IllegalStateException.class, () -> a.string("no-such-option", null));
        // --batch declares its default (128): a getter may not bring another
        assertThrows(IllegalStateException.class, () -> a.integer("batch", 64, 1));
        assertEquals(128, a.integer("batch"));
        assertThrows(IllegalStateException.class, () -> a.flag("batch"));
    }

    @Test
    void helpWritesTheReferencePage(@TempDir Path dir) throws IOException {
        Path page = dir.resolve("cli.md");
        CliTest.Result r = CliTest.run("help", "--markdown", page.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(CliReference.markdown(), Files.readString(page, StandardCharsets.UTF_8));
        assertEquals(2, CliTest.run("help", "nope").code());
    }
}
