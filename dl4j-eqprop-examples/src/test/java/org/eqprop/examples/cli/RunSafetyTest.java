package org.eqprop.examples.cli;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.io.AtomicFiles;
import org.eqprop.io.Checkpoint;
import org.eqprop.io.ModelFiles;
import org.eqprop.io.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.eqprop.examples.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs that never lose work: kills and resumes, no silent overwrite, the lock, divergence, bad values. */
class RunSafetyTest {

    private static String[] trainArgs(Path data, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--preset", "mnist-fc1", "--epochs", "4", "--data-dir",
                data.toString(), "--out", out.toString(), "--free-steps", "6", "--nudged-steps", "3",
                "--checkpoint-every", "2", "--test-limit", "40"));
        a.addAll(Arrays.asList(more));
        return a.toArray(new String[0]);
    }

    /** The CLI in a child JVM (so that it can be killed), its stdout and stderr to files. */
    private static Process start(Path dir, String[] args, String... jvmOptions) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true"));
        cmd.addAll(Arrays.asList(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false)
                .redirectError(dir.resolve("child-err.log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb.start();
    }

    /** The named outputs are complete: each loads. Temporaries of a killed save are hidden and cleared on resume. */
    private static void assertOnlyCompleteFiles(Path out) throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.startsWith(".")) {
                    assertTrue(name.equals(RunDirectory.LOCK_FILE) || name.endsWith(".tmp"), name);
                } else if (name.equals(TrainCommand.CHECKPOINT)) {
                    Checkpoint.read(f);
                } else if (name.endsWith(".zip")) {
                    ModelFiles.load(f);
                } else if (name.equals(TimeToAccuracy.TSV)) {
                    assertTrue(Files.readString(f).startsWith(TimeToAccuracy.HEADER + "\n"));
                } else if (name.equals(TimeToAccuracy.PNG)) {
                    assertTrue(javax.imageio.ImageIO.read(f.toFile()) != null, "the PNG decodes");
                } else {
                    assertEquals(TrainCommand.HISTORY, name);
                    assertTrue(Files.readString(f).startsWith("epoch\ttrain_error"));
                }
            }
        }
    }

    /** The checkpoint's modification time in nanoseconds, or -1 without one. */
    private static long modified(Path out) {
        try {
            return Files.getLastModifiedTime(out.resolve(TrainCommand.CHECKPOINT)).to(TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean hasTemporary(Path out) throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp"));
        }
    }

    @Test
    void aRunKilledFiveTimesAndResumedEndsWithTheUninterruptedParameters(@TempDir Path dir) throws Exception {
        Path data = CliTest.writeData(dir.resolve("data"), 400, 40);
        CliTest.Result straight = run(trainArgs(data, dir.resolve("straight")));
        assertEquals(0, straight.code(), straight.err());

        Path out = dir.resolve("killed");
        Random random = new Random(20261206);
        int kills = 0;
        int insideSave = 0;
        List<String> resumedAt = new ArrayList<>();
        double[] recordedSeconds = new double[5]; // epochs done -> the most training seconds a checkpoint recorded
        while (kills < 5) {
            boolean resume = Files.exists(out.resolve(TrainCommand.CHECKPOINT));
            if (resume) {
                java.util.Map<String, Object> state = Checkpoint.readState(out.resolve(TrainCommand.CHECKPOINT));
                int done = ((Number) state.get("epochs_done")).intValue();
                recordedSeconds[done] = Math.max(recordedSeconds[done],
                        ((Number) state.get("train_seconds")).doubleValue());
            }
            long startedFrom = modified(out);
            boolean duringSave = kills == 2;
            String[] args = resume ? trainArgs(data, out, "--resume") : trainArgs(data, out);
            Process p = duringSave ? start(dir, args, "-D" + AtomicFiles.PAUSE_PROPERTY + "=3000") : start(dir, args);
            BufferedReader stdout = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = stdout.readLine();
            assertTrue(first != null, "the child printed nothing: " + Files.readString(dir.resolve("child-err.log")));
            if (resume) {
                String line = first;
                for (int i = 0; i < 4 && line != null && !line.startsWith("resuming from"); i++) {
                    line = stdout.readLine();
                }
                assertTrue(line != null && line.startsWith("resuming from"), line);
                resumedAt.add(line.replaceAll(".*: ", ""));
            }
            if (duringSave) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!hasTemporary(out) && p.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertTrue(hasTemporary(out), "the child never started a save");
                insideSave++;
            } else {
                // after the run has made progress: a checkpoint newer than the one it started from, then a random wait
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (modified(out) == startedFrom && p.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(2);
                }
                Thread.sleep(random.nextInt(400));
            }
            assertTrue(p.isAlive(), "the run ended before kill " + (kills + 1) + "; make it longer");
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue(), "SIGKILL");
            kills++;
            assertOnlyCompleteFiles(out);
        }
        assertEquals(1, insideSave);
        assertTrue(resumedAt.size() >= 3, "most kills came after a checkpoint: " + resumedAt);
        CliTest.Result last = run(trainArgs(data, out, "--resume"));
        assertEquals(0, last.code(), last.err());
        assertTrue(last.lastLine().contains("\"resumed\": true"), last.lastLine());
        assertFalse(hasTemporary(out), "the resumed run cleared the killed saves' temporaries");
        assertOnlyCompleteFiles(out);

        MultiLayerNetwork a = ModelFiles.load(dir.resolve("straight").resolve(TrainCommand.MODEL));
        MultiLayerNetwork b = ModelFiles.load(out.resolve(TrainCommand.MODEL));
        double rel = a.params().distance2(b.params()) / a.params().norm2Number().doubleValue();
        System.out.printf("killed %d times (%d inside a save), resumed at %s; final parameters differ from the "
                + "uninterrupted run's by %.3e (relative)%n", kills, insideSave, resumedAt, rel);
        assertTrue(rel < 1e-6, "relative difference " + rel);
        List<String> history = Files.readAllLines(out.resolve(TrainCommand.HISTORY));
        assertEquals(Files.readAllLines(dir.resolve("straight").resolve(TrainCommand.HISTORY)).size(), history.size());

        // the training clock went on from each checkpoint: the killed runs' time before their checkpoints counts
        List<TimeToAccuracy.Point> clock = TimeToAccuracy.read(out);
        assertEquals(history.size() - 1, clock.size());
        for (int e = 0; e < clock.size(); e++) {
            assertTrue(clock.get(e).trainSeconds() > (e == 0 ? 0 : clock.get(e - 1).trainSeconds()), "" + clock);
            // a checkpoint inside epoch e + 1 (e epochs done) recorded less than that epoch's end
            assertTrue(clock.get(e).trainSeconds() >= recordedSeconds[e] - 1e-3, e + ": " + clock + " vs "
                    + Arrays.toString(recordedSeconds));
        }
        assertTrue(Arrays.stream(recordedSeconds).anyMatch(t -> t > 0), Arrays.toString(recordedSeconds));
        // the summary's time per iteration: the same clock over the run's 4 x 20 iterations, each counted once
        double perIteration = Double.parseDouble(last.lastLine().replaceAll(".*\"seconds_per_iteration\": ([0-9.e-]+).*",
                "$1"));
        double end = clock.get(clock.size() - 1).trainSeconds();
        assertEquals(end / 80, perIteration, 1e-3 * end / 80, last.lastLine());
    }

    /**
     * CIFAR-10 with its random crops and flips: a run killed mid-epoch resumes to the same parameters, also with bf16
     * convolution operands (where the CPU runs them), whose per-direction choice is a fixed rule and not a timing.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fp32", "bf16"})
    void anAugmentedCifarRunResumesExactly(String precision, @TempDir Path dir) throws Exception {
        assumeTrue(precision.equals("fp32") || org.eqprop.interactions.ConvPoolInteraction.bf16Available(),
                "bf16 convolution operands run where they pay: AMX, or AVX512_BF16 on AMD");
        Path data = dir.resolve("cifar");
        org.eqprop.data.SyntheticImages.writeCifarLike(data, 256, 64);
        String[] common = {"train", "--preset", "cifar10-small", "--epochs", "2", "--data-dir", data.toString(),
                "--free-steps", "6", "--nudged-steps", "2", "--checkpoint-every", "2", "--convolution-precision",
                precision};
        String[] straight = Arrays.copyOf(common, common.length + 2);
        straight[common.length] = "--out";
        straight[common.length + 1] = dir.resolve("straight").toString();
        assertEquals(0, run(straight).code());
        Path out = dir.resolve("killed");
        String[] killed = Arrays.copyOf(straight, straight.length);
        killed[killed.length - 1] = out.toString();
        Process p = start(dir, killed);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (modified(out) < 0 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(p.isAlive(), "the run ended before it could be killed");
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String[] resume = Arrays.copyOf(killed, killed.length + 1);
        resume[killed.length] = "--resume";
        CliTest.Result r = run(resume);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resuming from"), r.out());
        MultiLayerNetwork a = ModelFiles.load(dir.resolve("straight").resolve(TrainCommand.MODEL));
        MultiLayerNetwork b = ModelFiles.load(out.resolve(TrainCommand.MODEL));
        assertEquals(0, a.params().distance2(b.params()), 1e-6 * a.params().norm2Number().doubleValue(),
                "the crops and flips were replayed");
    }

    @Test
    void aRunNeverReplacesAnotherSilently(@TempDir Path dir) throws Exception {
        Path data = CliTest.writeData(dir.resolve("data"), 60, 20);
        Path out = dir.resolve("run");
        String[] args = {"train", "--preset", "mnist-fc1", "--epochs", "1", "--data-dir", data.toString(), "--out",
                out.toString(), "--free-steps", "4", "--nudged-steps", "2"};
        assertEquals(0, run(args).code());
        byte[] model = Files.readAllBytes(out.resolve(TrainCommand.MODEL));
        CliTest.Result again = run(args);
        assertEquals(2, again.code());
        assertTrue(again.lastLine().contains("already holds a run"), again.lastLine());
        assertTrue(Arrays.equals(model, Files.readAllBytes(out.resolve(TrainCommand.MODEL))), "the model is intact");

        String[] overwrite = Arrays.copyOf(args, args.length + 1);
        overwrite[args.length] = "--overwrite";
        assertEquals(0, run(overwrite).code());

        String[] changed = {"train", "--preset", "mnist-fc1", "--resume", "--out", out.toString(), "--beta", "0.3"};
        CliTest.Result c = run(changed);
        assertEquals(2, c.code());
        assertTrue(c.lastLine().contains("--beta 0.3 differs from the run's"), c.lastLine());
        String[] both = Arrays.copyOf(overwrite, overwrite.length + 1);
        both[overwrite.length] = "--resume";
        assertEquals(2, run(both).code());
        CliTest.Result none = run("train", "--preset", "mnist-fc1", "--resume", "--out", dir.resolve("empty")
                .toString());
        assertEquals(2, none.code());
        assertTrue(none.lastLine().contains("holds no checkpoint"), none.lastLine());

        // a second run into the folder while the first holds it
        try (RunDirectory held = RunDirectory.open(out, RunDirectory.Mode.RESUME, TrainCommand.RUN_FILES, null)) {
            CliTest.Result locked = run(overwrite);
            assertEquals(1, locked.code());
            assertTrue(locked.lastLine().contains("another run (pid " + ProcessHandle.current().pid() + ")"),
                    locked.lastLine());
        }
        // extending a finished run by one epoch
        CliTest.Result more = run("train", "--preset", "mnist-fc1", "--resume", "--out", out.toString(), "--epochs",
                "2", "--data-dir", data.toString());
        assertEquals(0, more.code(), more.err());
        assertTrue(more.lastLine().contains("\"test_errors\": [") && more.lastLine().contains("\"resumed_at\": [2, 0]"),
                more.lastLine());

        // outputs that are inputs
        Path npz = dir.resolve("p.npz");
        assertEquals(0, run("export", "--model", out.resolve(TrainCommand.MODEL).toString(), "--out", npz.toString())
                .code());
        CliTest.Result same = run("params-diff", "--a", out.resolve(TrainCommand.MODEL).toString(), "--b",
                npz.toString(), "--tolerance", "0");
        assertEquals(0, same.code(), same.err());
        assertTrue(same.lastLine().contains("\"relative_difference\": 0,") && same.lastLine().contains(
                "\"within\": true"), same.lastLine());
        CliTest.Result other = run("params-diff", "--a", out.resolve(TrainCommand.MODEL).toString(), "--b",
                dir.resolve("run").resolve(TrainCommand.BEST_MODEL).toString(), "--tolerance", "0");
        assertEquals(0, other.code(), other.err());
        assertTrue(other.lastLine().contains("\"within\": false"), "two epochs apart: " + other.lastLine());
        byte[] extended = Files.readAllBytes(out.resolve(TrainCommand.MODEL));
        CliTest.Result self = run("export", "--model", out.resolve(TrainCommand.MODEL).toString(), "--out",
                out.resolve(".").resolve(TrainCommand.MODEL).toString());
        assertEquals(2, self.code());
        assertTrue(self.lastLine().contains("is the --model file"), self.lastLine());
        assertTrue(Arrays.equals(extended, Files.readAllBytes(out.resolve(TrainCommand.MODEL))), "the input is intact");
        CliTest.Result grad = run("gradient", "--preset", "mnist-fc1", "--params", npz.toString(), "--batch",
                npz.toString(), "--out", dir.resolve(".").resolve("p.npz").toString());
        assertEquals(2, grad.code());
        assertTrue(grad.lastLine().contains("is the --params file"), grad.lastLine());
    }

    /** A cluster master that never gives an executor: the run fails with a message instead of waiting forever. */
    @Test
    void aClusterWithoutExecutorsFailsInsteadOfWaitingForever(@TempDir Path dir) throws Exception {
        Path data = CliTest.writeData(dir.resolve("data"), 60, 20);
        // a standalone master in this JVM, with no worker
        scala.Tuple3<org.apache.spark.rpc.RpcEnv, Object, scala.Option<Object>> master =
                org.apache.spark.deploy.master.Master.startRpcEnvAndEndpoint("127.0.0.1", 0, 0,
                        new org.apache.spark.SparkConf());
        String url = "spark://127.0.0.1:" + master._1().address().port();
        System.setProperty(SparkTrainCommand.EXECUTOR_TIMEOUT_PROPERTY, "3");
        try {
            long t0 = System.nanoTime();
            CliTest.Result r = run("train", "--preset", "mnist-fc1", "--epochs", "1", "--data-dir", data.toString(),
                    "--out", dir.resolve("s").toString(), "--spark", url);
            assertEquals(1, r.code(), r.out());
            assertTrue(r.lastLine().contains("no executor registered with " + url + " within 3 s"), r.lastLine());
            assertTrue((System.nanoTime() - t0) / 1e9 < 60, "it gave up in time");
        } finally {
            System.clearProperty(SparkTrainCommand.EXECUTOR_TIMEOUT_PROPERTY);
            master._1().shutdown();
        }
    }

    /** The launcher's own failures (no JDK, a failed build) also end stdout with a JSON line, exit code 1. */
    @Test
    void theLauncherEndsWithAJsonLineWhenItCannotRun(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("dirname", "find", "head")) {
            Path found = Stream.of("/usr/bin", "/bin").map(d -> Path.of(d, tool)).filter(Files::isExecutable)
                    .findFirst().orElseThrow();
            Files.createSymbolicLink(bin.resolve(tool), found);
        }
        Path script = Path.of(System.getProperty("user.dir")).resolve("../eqprop").normalize();
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", script.toString(), "train");
        pb.environment().put("PATH", bin.toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process noJava = pb.start();
        String out = new String(noJava.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(1, noJava.waitFor());
        assertEquals("{\"command\": \"train\", \"status\": \"error\", \"error\": \"no java on the PATH: install "
                + "JDK 17\"}", out);
        // JVM options the JVM refuses: checked before anything is built or run
        ProcessBuilder badOptions = new ProcessBuilder("/bin/bash", script.toString(), "info");
        badOptions.environment().put("EQPROP_JAVA_OPTS", "-Xmx8q");
        badOptions.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process refused = badOptions.start();
        String line = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(1, refused.waitFor());
        assertTrue(line.startsWith("{\"command\": \"info\", \"status\": \"error\", \"error\": \"the JVM does not "
                + "start with EQPROP_JAVA_OPTS='-Xmx8q': ") && line.contains("-Xmx8q") && line.endsWith("\"}"), line);
    }

    @Test
    void divergenceStopsTheRunLoudlyAndBadValuesAreUsageErrors(@TempDir Path dir) throws Exception {
        Path data = CliTest.writeData(dir.resolve("data"), 1000, 20);
        CliTest.Result r = run("train", "--preset", "mnist-fc1", "--epochs", "2", "--data-dir", data.toString(),
                "--out", dir.resolve("div").toString(), "--free-steps", "4", "--nudged-steps", "2", "--lr-scale",
                "1e4", "--batch-size", "10");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.lastLine().contains("\"reason\": \"diverged\""), r.lastLine());
        assertFalse(Files.exists(dir.resolve("div").resolve(TrainCommand.MODEL)), "no diverged model is saved");

        for (String[] bad : List.of(new String[]{"--beta", "0"}, new String[]{"--beta", "-0.1"},
                new String[]{"--estimator", "nope"}, new String[]{"--activation", "nope"},
                new String[]{"--dynamics", "nope"}, new String[]{"--tolerance", "-1"},
                new String[]{"--momentum", "-0.5"}, new String[]{"--momentum", "1"},
                new String[]{"--lr-scale", "-1"}, new String[]{"--learning-rates", "0.1,-0.2"},
                new String[]{"--weight-decay", "-1"}, new String[]{"--update-order", "random"},
                new String[]{"--divergence-factor", "0.5"}, new String[]{"--checkpoint-every", "-1"})) {
            List<String> a = new ArrayList<>(List.of("train", "--preset", "mnist-fc1", "--out",
                    dir.resolve("bad").toString()));
            a.addAll(Arrays.asList(bad));
            CliTest.Result b = run(a.toArray(new String[0]));
            assertEquals(2, b.code(), String.join(" ", bad) + ": " + b.lastLine());
            assertTrue(b.lastLine().startsWith("{\"command\": \"train\", \"status\": \"error\""), b.lastLine());
        }
        assertFalse(Files.exists(dir.resolve("bad")), "a usage error creates no folder");
        assertEquals(2, run("train", "--preset", "mnist-fc1", "--train-limit", "0").code(), "0 examples is no limit");

        // parameter files: a transposed W1, non-finite values; each message names the array and the cause
        Path ok = dir.resolve("ok.npz");
        org.eqprop.io.Npz.write(ok, java.util.Map.of("W1", org.nd4j.linalg.factory.Nd4j.rand(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 500, 784), "b1", org.nd4j.linalg.factory.Nd4j.zeros(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 500), "W2", org.nd4j.linalg.factory.Nd4j.rand(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 10, 500), "b2", org.nd4j.linalg.factory.Nd4j.zeros(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 10)));
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> p = new java.util.HashMap<>(
                org.eqprop.io.Npz.read(ok));
        p.put("W1", p.get("W1").transpose().dup('c'));
        Path transposed = dir.resolve("t.npz");
        org.eqprop.io.Npz.write(transposed, p);
        CliTest.Result t = run("train", "--preset", "mnist-fc1", "--data-dir", data.toString(), "--out",
                dir.resolve("t").toString(), "--init-params", transposed.toString(), "--epochs", "1");
        assertEquals(2, t.code(), "a parameter file of the wrong shape is a usage error");
        assertTrue(t.lastLine().contains("W1 must be [500, 784]") && t.lastLine().contains("transposed"),
                t.lastLine());
        p.put("W1", p.get("W1").transpose().dup('c'));
        p.get("b2").putScalar(3, Float.NaN);
        Path nan = dir.resolve("nan.npz");
        org.eqprop.io.Npz.write(nan, p);
        CliTest.Result n = run("train", "--preset", "mnist-fc1", "--data-dir", data.toString(), "--out",
                dir.resolve("n").toString(), "--init-params", nan.toString(), "--epochs", "1");
        assertEquals(1, n.code());
        assertTrue(n.lastLine().contains("b2 holds NaN or infinite values"), n.lastLine());
        CliTest.Result none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("usage: eqprop"));
    }
}
