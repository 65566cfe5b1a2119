package org.eqprop.examples.cli;

import org.eqprop.data.SyntheticImages;
import org.eqprop.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The eqprop command line end to end, on small generated data: exit codes and the final JSON line. */
class CliTest {

    record Result(int code, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    /**
     * The number at a path of keys (strings) and array indexes (integers) in a JSON line, read with Jackson; fails
     * the test when the path is absent or not a number.
     */
    static double number(String line, Object... path) {
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
        for (Object step : path) {
            node = step instanceof Integer i ? node.path(i) : node.path((String) step);
        }
        assertTrue(node.isNumber(), java.util.Arrays.toString(path) + " is not a number in " + line);
        return node.asDouble();
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path writeData(Path dir, int train, int test) throws IOException {
        SyntheticImages.writeMnistLike(dir, train, test);
        return dir;
    }

    @Test
    void trainEvaluateRoundTrip(@TempDir Path dir) throws IOException {
        Path data = writeData(dir.resolve("data"), 600, 200);
        Path out = dir.resolve("run");
        Result r = run("train", "--preset", "mnist-fc1", "--epochs", "2", "--data-dir", data.toString(),
                "--out", out.toString(), "--seed", "3", "--free-steps", "15", "--nudged-steps", "5");
        assertEquals(0, r.code, r.err);
        String json = r.lastLine();
        assertTrue(json.startsWith("{\"command\": \"train\", \"preset\": \"mnist-fc1\", \"algorithm\": \"eqprop\", "
                + "\"epochs\": 2"), json);
        for (String key : new String[]{"train_error", "test_error", "seconds_per_iteration", "batch_size",
                "\"status\": \"ok\""}) {
            assertTrue(json.contains(key), key + " in " + json);
        }
        double testError = number(json, "test_error");
        assertTrue(testError < 0.2, "a learnable toy set should be learned: " + testError);
        assertTrue(Files.isRegularFile(out.resolve("model.zip")));
        Result ev = run("evaluate", "--model", out.resolve("model.zip").toString(), "--data-dir", data.toString());
        assertEquals(0, ev.code, ev.err);
        assertTrue(ev.lastLine().contains("\"test_error\": " + Json.render(testError)), ev.lastLine() + " vs " + json);

        // export to NumPy, then start a new run from those parameters
        Result ex = run("export", "--model", out.resolve("model.zip").toString(), "--out",
                dir.resolve("p.npz").toString());
        assertEquals(0, ex.code, ex.err);
        Map<String, INDArray> p = Npz.read(dir.resolve("p.npz"));
        assertArrayEquals(new long[]{500, 784}, p.get("W1").shape());
        assertArrayEquals(new long[]{10, 500}, p.get("W2").shape());
        Result again = run("train", "--preset", "mnist-fc1", "--epochs", "1", "--data-dir", data.toString(),
                "--out", dir.resolve("run2").toString(), "--init-params", dir.resolve("p.npz").toString(),
                "--free-steps", "15", "--nudged-steps", "5", "--train-limit", "40");
        assertEquals(0, again.code, again.err);
        assertTrue(again.out.contains("initial parameters from"));
    }

    @Test
    void resistivePresetTrainsAndReportsTheKclResidual(@TempDir Path dir) throws IOException {
        Path data = writeData(dir.resolve("data"), 600, 200);
        Path out = dir.resolve("run");
        Result r = run("train", "--preset", "mnist-resistive", "--epochs", "2", "--data-dir", data.toString(),
                "--out", out.toString(), "--seed", "3");
        assertEquals(0, r.code, r.err);
        String json = r.lastLine();
        for (String key : new String[]{"\"preset\": \"mnist-resistive\"", "kcl_residual", "mean_free_sweeps",
                "mean_nudged_sweeps", "\"non_converged_phases\": 0", "\"status\": \"ok\""}) {
            assertTrue(json.contains(key), key + " in " + json);
        }
        double kcl = number(json, "kcl_residual");
        assertTrue(kcl < 1e-4, "KCL residual " + kcl);
        double testError = number(json, "test_error");
        assertTrue(testError < 0.3, "a learnable toy set should be learned: " + testError);
        Result ev = run("evaluate", "--model", out.resolve("model.zip").toString(), "--data-dir", data.toString());
        assertEquals(0, ev.code, ev.err);
        assertTrue(ev.lastLine().contains("\"test_error\": " + Json.render(testError)), ev.lastLine() + " vs " + json);
        assertEquals(2, run("train", "--preset", "mnist-resistive", "--algorithm", "bptt").code);
        assertEquals(2, run("train", "--preset", "mnist-resistive", "--learning-rates", "0.1,x").code);
        Result sign = run("train", "--preset", "mnist-resistive", "--sign-only", "--learning-rates", "1e-4,1e-3",
                "--epochs", "1", "--train-limit", "40", "--data-dir", data.toString(), "--out",
                dir.resolve("sign").toString());
        assertEquals(0, sign.code, sign.err);
        assertTrue(sign.out.contains("sign-only updates"), sign.out);
        Result noisy = run("train", "--preset", "mnist-resistive", "--temperature", "1e-6", "--burn-in", "10",
                "--samples", "3", "--epochs", "1", "--train-limit", "40", "--data-dir", data.toString(), "--out",
                dir.resolve("noisy").toString());
        assertEquals(0, noisy.code, noisy.err);
        double volts = number(noisy.lastLine(), "node_noise_volts");
        assertTrue(volts > 0 && volts < 0.1, noisy.lastLine());
        assertEquals(2, run("train", "--preset", "mnist-resistive", "--samples", "3").code, "samples need noise");
        assertEquals(2, run("train", "--preset", "mnist-fc1", "--burn-in", "3").code);
    }

    @Test
    void spikingConvergenceAndSpikingTrainingReportTheirFigures(@TempDir Path dir) throws IOException {
        Result r = run("spiking-convergence", "--sizes", "40,30,5", "--networks", "2", "--steps", "120",
                "--perturb-at", "60", "--out", dir.resolve("conv").toString());
        assertEquals(0, r.code, r.err);
        String json = r.lastLine();
        assertTrue(json.contains("\"final_error\": {\"1/sqrt(t)\": "), json);
        double osaFinal = number(json, "final_error", "osa+lambda");
        assertTrue(osaFinal < 0.05, "OSA with predictive coding converges: " + osaFinal);
        assertTrue(Files.size(dir.resolve("conv").resolve("convergence.png")) > 1000);
        assertEquals(2, run("spiking-convergence", "--steps", "10", "--perturb-at", "10").code);

        Path data = writeData(dir.resolve("data"), 200, 100);
        Result t = run("train", "--preset", "mnist-spiking", "--epochs", "1", "--data-dir", data.toString(),
                "--free-steps", "20", "--nudged-steps", "10", "--out", dir.resolve("run").toString());
        assertEquals(0, t.code, t.err);
        double spikes = number(t.lastLine(), "spikes_per_neuron_per_step");
        assertTrue(spikes > 0 && spikes < 1, t.lastLine());
        assertEquals(2, run("train", "--preset", "mnist-fc1", "--lambda", "0.3").code);
    }

    @Test
    void bpttTrainsTheSameNetworkFromTheSameCommandLine(@TempDir Path dir) throws IOException {
        Path data = writeData(dir.resolve("data"), 400, 100);
        Result r = run("train", "--preset", "mnist-fc1", "--algorithm", "bptt", "--epochs", "2", "--data-dir",
                data.toString(), "--out", dir.resolve("run").toString(), "--free-steps", "12", "--nudged-steps", "6");
        assertEquals(0, r.code, r.err);
        assertTrue(r.lastLine().contains("\"algorithm\": \"bptt\""), r.lastLine());
        double testError = number(r.lastLine(), "test_error");
        assertTrue(testError < 0.3, "BPTT should learn the toy set too: " + testError);
    }

    @Test
    void compareWritesAReportWhereOnlyBpttMemoryGrowsWithT(@TempDir Path dir) throws IOException {
        Path data = writeData(dir.resolve("data"), 200, 50);
        Path out = dir.resolve("cmp");
        Result r = run("compare", "--preset", "mnist-fc1", "--epochs", "1", "--steps", "4,16", "--data-dir",
                data.toString(), "--out", out.toString(), "--nudged-steps", "4");
        assertEquals(0, r.code, r.err);
        String json = r.lastLine();
        assertTrue(json.contains("\"command\": \"compare\"") && json.contains("\"status\": \"ok\""), json);
        double[] state = java.util.regex.Pattern.compile("\"relaxation_state_mb\": ([0-9.e-]+)").matcher(json)
                .results().mapToDouble(m -> Double.parseDouble(m.group(1))).toArray();
        assertEquals(4, state.length, json);
        // runs: eqprop T=4, bptt T=4, eqprop T=16, bptt T=16
        assertEquals(state[0], state[2], 1e-9, "EqProp's state does not depend on T");
        assertTrue(state[3] > 3 * state[1], "BPTT's trajectory grows with T: " + state[1] + " -> " + state[3]);
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| bptt | 16 |") && report.contains("| eqprop | 4 |"), report);
        for (String png : new String[]{"curves.png", "memory-state.png", "memory-rss.png", "time.png"}) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
        Result bad = run("compare", "--preset", "mnist-fc1", "--steps", "4,x");
        assertEquals(2, bad.code);
    }

    @Test
    void continualAlgorithmsTrainFromTheCommandLine(@TempDir Path dir) throws IOException {
        Path data = writeData(dir.resolve("data"), 200, 50);
        Result cvf = run("train", "--preset", "mnist-fc1", "--algorithm", "c-vf", "--feedback-angle", "30",
                "--epochs", "1", "--data-dir", data.toString(), "--out", dir.resolve("cvf").toString(),
                "--free-steps", "10", "--nudged-steps", "4", "--lr-scale", "0.1");
        assertEquals(0, cvf.code, cvf.err);
        assertTrue(cvf.lastLine().contains("\"algorithm\": \"c-vf\"") && cvf.lastLine().contains(
                "\"feedback_angles\": [["), cvf.lastLine());
        Result cep = run("train", "--preset", "mnist-fc1", "--algorithm", "c-ep", "--epochs", "1", "--data-dir",
                data.toString(), "--out", dir.resolve("cep").toString(), "--cost", "cross-entropy");
        assertEquals(2, cep.code, "C-EP refuses the readout");
        Result angle = run("train", "--preset", "mnist-fc1", "--feedback-angle", "30");
        assertEquals(2, angle.code, "--feedback-angle belongs to c-vf");
    }

    @Test
    void holomorphicEstimatorTrainsAndTheOscillatingNudgeIsPlotted(@TempDir Path dir) throws IOException {
        Path data = writeData(dir.resolve("data"), 200, 50);
        Result h = run("train", "--preset", "mnist-fc1", "--estimator", "holomorphic", "--holomorphic-points", "6",
                "--activation", "sigmoid", "--beta", "0.5", "--epochs", "1", "--data-dir", data.toString(), "--out",
                dir.resolve("holo").toString(), "--free-steps", "10", "--nudged-steps", "4");
        assertEquals(0, h.code, h.err);
        assertTrue(h.lastLine().contains("\"estimator\": \"holomorphic\"") && h.lastLine().contains(
                "\"holomorphic_points\": 6"), h.lastLine());
        Result hard = run("train", "--preset", "mnist-fc1", "--estimator", "holomorphic", "--data-dir",
                data.toString(), "--out", dir.resolve("hard").toString());
        assertEquals(1, hard.code, "the hard sigmoid is refused");
        assertTrue(hard.lastLine().contains("not holomorphic"), hard.lastLine());
        assertEquals(2, run("train", "--preset", "mnist-fc1", "--holomorphic-points", "4").code);

        Result o = run("oscillation", "--sizes", "8,10,4", "--classes", "3", "--batch", "3", "--values-per-turn",
                "16", "--out", dir.resolve("osc").toString());
        assertEquals(0, o.code, o.err);
        double online = number(o.lastLine(), "relative_error");
        double symmetric = number(o.lastLine(), "symmetric_relative_error");
        assertTrue(online < symmetric, o.lastLine());
        assertTrue(Files.size(dir.resolve("osc").resolve("oscillation.png")) > 1000);
        assertTrue(Files.size(dir.resolve("osc").resolve("running-gradient.png")) > 1000);
        assertEquals(2, run("oscillation", "--activation", "hard-sigmoid").code);
    }

    @Test
    void langevinMeasuresBiasAndSpreadAndTrainsWithStateNoise(@TempDir Path dir) throws IOException {
        Result l = run("langevin", "--temperatures", "0,1e-2", "--betas", "0.2", "--samples", "5", "--repetitions",
                "3", "--burn-in", "30", "--free-steps", "40", "--out", dir.resolve("lv").toString());
        assertEquals(0, l.code, l.err);
        double cold = number(l.lastLine(), "spread", "0.0", 0);
        double hot = number(l.lastLine(), "spread", "0.01", 0);
        assertTrue(cold < 1e-12 && hot > 0.05, "no spread without noise, some with: " + l.lastLine());
        assertTrue(Files.readString(dir.resolve("lv").resolve("bias-variance.md")).contains("| 1e-02 |"));
        Path data = writeData(dir.resolve("data"), 100, 50);
        Result t = run("train", "--preset", "mnist-fc1", "--temperature", "1e-3", "--estimator", "langevin",
                "--samples", "4", "--epochs", "1", "--data-dir", data.toString(), "--free-steps", "10",
                "--nudged-steps", "4", "--out", dir.resolve("noisy").toString());
        assertEquals(0, t.code, t.err);
        assertTrue(t.lastLine().contains("\"estimator\": \"langevin\""), t.lastLine());
        assertEquals(2, run("train", "--preset", "mnist-fc1", "--samples", "4").code);
        assertEquals(2, run("langevin", "--betas", "0").code);
    }

    @Test
    void deepLearnsALogicGateAndDrawsItsCurvesAndGraph(@TempDir Path dir) throws IOException {
        Result r = run("deep", "--task", "or", "--runs", "3", "--epochs", "600", "--out", dir.toString());
        assertEquals(0, r.code, r.err);
        String json = r.lastLine();
        for (String key : new String[]{"\"task\": \"or\"", "\"runs\": 3", "\"solved\": 3", "\"sparsity\": 0"}) {
            assertTrue(json.contains(key), key + " in " + json);
        }
        assertTrue(Files.size(dir.resolve("deep-or-mse.png")) > 1000);
        assertTrue(Files.size(dir.resolve("deep-or-graph.png")) > 1000);
        Result sparse = run("deep", "--task", "and", "--runs", "1", "--epochs", "1500", "--sparsity",
                "--out", dir.toString());
        assertEquals(0, sparse.code, sparse.err);
        double sparsity = number(sparse.lastLine(), "sparsity");
        assertTrue(sparsity > 0.5, "pruning removed connections: " + sparsity);
        assertTrue(sparse.lastLine().contains("\"solved\": 1"), "the pruned gate still computes AND: " + sparse.lastLine());
        assertEquals(2, run("deep", "--task", "nand").code);
    }

    @Test
    void deepTrainsAnMnistGraphAndReportsItsErrors(@TempDir Path dir) throws IOException {
        Path data = writeData(dir.resolve("data"), 100, 20);
        Result r = run("deep", "--task", "mnist", "--hidden", "20", "--batch", "10", "--free-steps", "10",
                "--nudged-steps", "4", "--data-dir", data.toString(), "--density", "0.5");
        assertEquals(0, r.code, r.err);
        String json = r.lastLine();
        assertTrue(json.contains("\"task\": \"mnist\""), json);
        double test = number(json, "test_error");
        double sparsity = number(json, "sparsity");
        assertTrue(test >= 0 && test <= 1, json);
        assertTrue(sparsity > 0.3 && sparsity < 0.7, "density 0.5 keeps about half the connections: " + json);
        assertEquals(2, run("deep", "--task", "mnist", "--density", "0").code, "density must be positive");
    }

    @Test
    void gddReportsEqPropAgainstBpttWithPlots(@TempDir Path dir) throws IOException {
        Path data = writeData(dir.resolve("data"), 20, 10);
        Result r = run("gdd", "--data-dir", data.toString(), "--examples", "4", "--steps", "5",
                "--out", dir.resolve("gdd").toString(), "--continual-rate", "1e-9");
        assertEquals(0, r.code, r.err);
        assertTrue(r.lastLine().contains("\"pass\": true"), r.lastLine());
        double cep = number(r.lastLine(), "layers", 1, "weights_rmse_continual");
        assertTrue(cep < 0.05, "C-EP with a tiny rate follows BPTT: " + cep);
        assertTrue(Files.size(dir.resolve("gdd").resolve("gdd-layer2-weights.png")) > 1000);
        Result unconverged = run("gdd", "--data-dir", data.toString(), "--examples", "4", "--max-free-steps", "2",
                "--out", dir.resolve("gdd2").toString());
        assertEquals(1, unconverged.code);
        assertTrue(unconverged.lastLine().contains("did not converge"), unconverged.lastLine());
    }

    @Test
    void gradientCommandWritesPyTorchShapedGradientsAndStates(@TempDir Path dir) throws IOException {
        Random r = new Random(1);
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("W1", Nd4j.rand(DataType.DOUBLE, 7, 5).subi(0.5).muli(0.8));
        params.put("b1", Nd4j.rand(DataType.DOUBLE, 7).muli(0.1));
        params.put("W2", Nd4j.rand(DataType.DOUBLE, 3, 7).subi(0.5).muli(0.8));
        params.put("b2", Nd4j.zeros(DataType.DOUBLE, 3));
        Map<String, INDArray> batch = new LinkedHashMap<>();
        batch.put("x", Nd4j.rand(DataType.DOUBLE, 4, 5));
        batch.put("y", Nd4j.createFromArray(0L, 2L, 1L, 2L));
        Npz.write(dir.resolve("p.npz"), params);
        Npz.write(dir.resolve("b.npz"), batch);
        for (String cost : new String[]{"squared", "cross-entropy"}) {
            Path out = dir.resolve("g-" + cost + ".npz");
            Result res = run("gradient", "--preset", "mnist-fc1", "--params", dir.resolve("p.npz").toString(),
                    "--batch", dir.resolve("b.npz").toString(), "--out", out.toString(), "--beta", "0.01",
                    "--free-steps", "200", "--nudged-steps", "100", "--cost", cost);
            assertEquals(0, res.code, res.err);
            assertTrue(res.lastLine().contains("\"dtype\": \"double\""), res.lastLine());
            Map<String, INDArray> g = Npz.read(out);
            assertArrayEquals(new long[]{7, 5}, g.get("dW1").shape());
            assertArrayEquals(new long[]{7}, g.get("db1").shape());
            assertArrayEquals(new long[]{3, 7}, g.get("dW2").shape());
            assertArrayEquals(new long[]{4, 7}, g.get("s1").shape());
            assertTrue(g.get("dW1").norm2Number().doubleValue() > 0);
            assertEquals(cost.equals("squared"), g.containsKey("s2"));
            if (cost.equals("cross-entropy")) {
                // the readout's gradient in PyTorch layout: mean over the batch of (o − y) s1ᵀ, o = softmax(s1 W2ᵀ + b2)
                INDArray s1 = g.get("s1");
                INDArray o = org.nd4j.linalg.ops.transforms.Transforms.softmax(
                        s1.mmul(params.get("W2").transpose()).addiRowVector(params.get("b2")), false);
                INDArray y = Nd4j.zeros(DataType.DOUBLE, 4, 3);
                long[] labels = {0, 2, 1, 2};
                for (int i = 0; i < 4; i++) {
                    y.putScalar(i, labels[i], 1.0);
                }
                INDArray expected = o.sub(y).transpose().mmul(s1).divi(4);
                assertTrue(expected.equalsWithEps(g.get("dW2"), 1e-9), expected + " vs " + g.get("dW2"));
                assertTrue(o.sub(y).mean(0).equalsWithEps(g.get("db2"), 1e-9));
            }
        }
    }

    @Test
    void badInputFailsWithAJsonErrorLine(@TempDir Path dir) throws IOException {
        Result unknown = run("train", "--preset", "mnist-fc1", "--epohcs", "2");
        assertEquals(2, unknown.code);
        assertTrue(unknown.lastLine().contains("\"status\": \"error\"") && unknown.lastLine().contains("--epohcs"));
        assertEquals(2, run("train", "--preset", "nope").code);
        assertEquals(2, run("train", "--preset", "mnist-fc1", "--free-steps", "0").code);
        assertEquals(2, run("frobnicate").code);

        // a truncated IDX file
        Path data = writeData(dir.resolve("data"), 50, 20);
        byte[] labels = Files.readAllBytes(data.resolve("train-labels-idx1-ubyte"));
        Files.write(data.resolve("train-labels-idx1-ubyte"), java.util.Arrays.copyOf(labels, 30));
        Result cut = run("train", "--preset", "mnist-fc1", "--epochs", "1", "--data-dir", data.toString(),
                "--out", dir.resolve("o").toString());
        assertEquals(1, cut.code);
        assertTrue(cut.lastLine().contains("truncated"), cut.lastLine());

        // beta = 0 is not a valid nudge
        Result beta = run("train", "--preset", "mnist-fc1", "--beta", "0", "--data-dir", writeData(
                dir.resolve("d2"), 50, 20).toString(), "--out", dir.resolve("o2").toString());
        assertEquals(2, beta.code, "a nonsensical value is a usage error");
        assertTrue(beta.lastLine().contains("beta"), beta.lastLine());

        // a corrupt model file
        Path model = dir.resolve("bad.zip");
        Files.writeString(model, "junk");
        Result ev = run("evaluate", "--model", model.toString(), "--data-dir", data.toString());
        assertEquals(1, ev.code);
        assertTrue(ev.lastLine().contains("cannot read model file"), ev.lastLine());

        // a batch whose width does not match the parameters
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("W1", Nd4j.rand(DataType.FLOAT, 4, 6));
        params.put("b1", Nd4j.rand(DataType.FLOAT, 4));
        Map<String, INDArray> batch = new LinkedHashMap<>();
        batch.put("x", Nd4j.rand(DataType.FLOAT, 2, 5));
        batch.put("y", Nd4j.createFromArray(0L, 1L));
        Npz.write(dir.resolve("p.npz"), params);
        Npz.write(dir.resolve("b.npz"), batch);
        Result g = run("gradient", "--preset", "mnist-fc1", "--params", dir.resolve("p.npz").toString(), "--batch",
                dir.resolve("b.npz").toString(), "--out", dir.resolve("g.npz").toString());
        assertEquals(2, g.code, "a shape that does not fit is a usage error");
        assertTrue(g.lastLine().contains("x must be [n, 6] (W1 takes 6 features), got [2, 5]"), g.lastLine());
        // NaN in the batch
        INDArray nan = Nd4j.rand(DataType.FLOAT, 2, 6);
        nan.putScalar(1, 1, Float.NaN);
        batch.put("x", nan);
        Npz.write(dir.resolve("b.npz"), batch);
        Result n = run("gradient", "--preset", "mnist-fc1", "--params", dir.resolve("p.npz").toString(), "--batch",
                dir.resolve("b.npz").toString(), "--out", dir.resolve("g.npz").toString());
        assertEquals(1, n.code);
        assertTrue(n.lastLine().contains("NaN"), n.lastLine());
        assertTrue(!Files.exists(dir.resolve("g.npz")), "no partial output on failure");
    }

    @Test
    void benchPrintsItsFigures() {
        Result r = run("bench", "--preset", "mnist-fc1", "--batch", "32", "--iterations", "3", "--warmup", "1",
                "--repeat", "1");
        assertEquals(0, r.code, r.err);
        for (String key : new String[]{"seconds_per_iteration", "steps_per_second", "gflops", "peak_gflops",
                "reference_seconds_per_iteration", "peak_rss_mb", "cpu_model", "cores", "onednn_isa"}) {
            assertTrue(r.lastLine().contains("\"" + key + "\""), key + " in " + r.lastLine());
        }
        // the block's share of an iteration: positive, and part of the whole
        double block = number(r.lastLine(), "block_seconds_per_iteration");
        double fraction = number(r.lastLine(), "block_fraction");
        assertTrue(block > 0 && fraction > 0 && fraction <= 1, r.lastLine());
        assertEquals(block / number(r.lastLine(), "seconds_per_iteration"), fraction, 1e-3 * fraction, r.lastLine());
        assertTrue(r.out.contains("inside the EqProp block"), r.out);
        // alternating updates with fewer steps against the synchronous gradient, on a small conv net too
        Result alt = run("bench", "--preset", "mnist-fc1", "--batch", "16", "--iterations", "2", "--warmup", "0", "--repeat", "1",
                "--no-reference", "--update-order", "alternating", "--free-steps", "20", "--nudged-steps", "8",
                "--agreement", "60,16");
        assertEquals(0, alt.code, alt.err);
        double cosine = number(alt.lastLine(), "gradient_cosine");
        assertTrue(cosine > 0.99, "alternating 20/8 vs synchronous 60/16: cosine " + cosine);
        Result conv = run("bench", "--preset", "cifar10-small", "--batch", "4", "--iterations", "1", "--warmup", "0", "--repeat", "1",
                "--free-steps", "3", "--nudged-steps", "2", "--doubled-batch");
        assertEquals(0, conv.code, conv.err);
        assertTrue(conv.lastLine().contains("\"gflops\""), conv.lastLine());
        // early stopping on the residual: the steps taken are counted, and several references are compared at once
        Result tol = run("bench", "--preset", "cifar10-small", "--batch", "4", "--iterations", "1", "--warmup", "0", "--repeat", "1",
                "--no-reference", "--update-order", "synchronous", "--tolerance", "1e-4", "--free-steps", "200",
                "--nudged-steps", "100", "--agreement", "200,100;60,20,alternating,0,1.3");
        assertEquals(0, tol.code, tol.err);
        double free = number(tol.lastLine(), "mean_free_steps");
        assertTrue(free > 1 && free < 200, "free steps " + free);
        double tolCosine = number(tol.lastLine(), "gradient_cosine");
        assertTrue(tolCosine > 0.99, "tolerance 1e-4 vs synchronous 200/100: cosine " + tolCosine);
        assertTrue(tol.lastLine().contains("omega 1.3"), tol.lastLine());
        Result bad = run("bench", "--preset", "cifar10-small", "--batch", "4", "--agreement", "20");
        assertEquals(2, bad.code, bad.lastLine());
        assertTrue(bad.lastLine().contains("--agreement"), bad.lastLine());
    }

    @Test
    void benchTakesTheConvolutionAlgorithm() {
        Result wino = run("bench", "--preset", "cifar10-small", "--batch", "4", "--iterations", "1", "--warmup", "0", "--repeat", "1",
                "--no-reference", "--free-steps", "3", "--nudged-steps", "2", "--convolution", "winograd",
                "--agreement", "3,2");
        assertEquals(0, wino.code, wino.err);
        assertTrue(wino.lastLine().contains("\"convolution\": \"winograd\""), wino.lastLine());
        // Winograd convolves both ways; the weight gradients stay im2col products
        assertTrue(wino.lastLine().contains("\"conv_library\": \"im2col+winograd\""), wino.lastLine());
        assertTrue(wino.lastLine().contains("\"conv_algorithm\": \"winograd\""), wino.lastLine());
        // auto: oneDNN where it loads (the pom bundles it for linux-x86_64), im2col otherwise; the JSON says which
        // ran and with which operands
        Result auto = run("bench", "--preset", "cifar10-small", "--batch", "4", "--iterations", "1", "--warmup", "0", "--repeat", "1",
                "--no-reference", "--free-steps", "3", "--nudged-steps", "2");
        assertEquals(0, auto.code, auto.err);
        boolean bundled = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && System.getProperty("os.arch").equals("amd64");
        assertTrue(auto.lastLine().contains("\"conv_library\": \"" + (bundled ? "onednn" : "im2col") + "\""),
                auto.lastLine());
        assertTrue(auto.lastLine().contains("\"conv_precision\": \"fp32\""), auto.lastLine());
        // auto also times oneDNN's Winograd algorithm per layer and direction: the JSON names what ran
        assertTrue(auto.lastLine().matches(".*\"conv_algorithm\": \"(direct|winograd|direct\\+winograd)\".*"),
                auto.lastLine());
        Result direct = run("bench", "--preset", "cifar10-small", "--batch", "4", "--iterations", "1", "--warmup",
                "0", "--repeat", "1", "--no-reference", "--free-steps", "3", "--nudged-steps", "2", "--convolution",
                "onednn");
        assertEquals(0, direct.code, direct.err);
        assertTrue(direct.lastLine().contains("\"conv_algorithm\": \"direct\""), direct.lastLine());
        Result im2col = run("bench", "--preset", "cifar10-small", "--batch", "4", "--iterations", "1", "--warmup",
                "0", "--repeat", "1", "--no-reference", "--free-steps", "3", "--nudged-steps", "2", "--convolution", "im2col");
        assertEquals(0, im2col.code, im2col.err);
        assertTrue(im2col.lastLine().contains("\"conv_library\": \"im2col\""), im2col.lastLine());
        // bf16 operands: bf16 where oneDNN runs on AMX (each layer and direction keeping the faster of bf16 and
        // fp32), else float32 with a warning; the requested precision is reported too
        Result bf16 = run("bench", "--preset", "cifar10-small", "--batch", "4", "--iterations", "1", "--warmup", "0", "--repeat", "1",
                "--no-reference", "--free-steps", "3", "--nudged-steps", "2", "--convolution-precision", "bf16");
        assertEquals(0, bf16.code, bf16.err);
        assertTrue(bf16.lastLine().contains("\"conv_precision_requested\": \"bf16\""), bf16.lastLine());
        assertTrue(bf16.lastLine().matches(".*\"conv_precision\": \"(bf16|bf16\\+fp32|fp32)\".*"), bf16.lastLine());
        // the fraction of peak divides by the peak of the products' precision: a bf16 product peak measured in the
        // same run where bf16 convolutions ran, the float32 one otherwise
        if (bf16.lastLine().matches(".*\"conv_precision\": \"bf16.*")) {
            assertTrue(bf16.lastLine().matches(".*\"peak_gflops_bf16\": [0-9.e+]+,.*"), bf16.lastLine());
            assertTrue(bf16.lastLine().contains("\"peak_precision\": \"bf16\""), bf16.lastLine());
        } else {
            assertTrue(bf16.lastLine().contains("\"peak_precision\": \"fp32\""), bf16.lastLine());
        }
        assertTrue(im2col.lastLine().contains("\"peak_precision\": \"fp32\""), im2col.lastLine());
        assertTrue(!im2col.lastLine().contains("peak_gflops_bf16"), im2col.lastLine());
        Result fiveByFive = run("bench", "--preset", "mnist-conv", "--convolution", "winograd");
        assertEquals(2, fiveByFive.code, fiveByFive.lastLine());
        assertTrue(fiveByFive.lastLine().contains("3x3"), fiveByFive.lastLine());
        Result dense = run("bench", "--preset", "mnist-fc1", "--convolution", "im2col");
        assertEquals(2, dense.code, dense.lastLine());
    }

    @Test
    void benchTakesTheCudaOperandPrecision() {
        try {
            Result bf16 = run("bench", "--preset", "mnist-fc1", "--batch", "8", "--iterations", "1", "--warmup", "0", "--repeat", "1",
                    "--no-reference", "--precision", "BF16");
            assertEquals(0, bf16.code, bf16.err);
            assertTrue(bf16.lastLine().contains("\"precision\": \"bf16\""), bf16.lastLine());
            Result bad = run("bench", "--preset", "mnist-fc1", "--precision", "fp16");
            assertEquals(2, bad.code, bad.lastLine());
            assertTrue(bad.lastLine().contains("fp16"), bad.lastLine());
        } finally {
            System.clearProperty(org.eqprop.cuda.CudaEngineProvider.PRECISION_PROPERTY);
        }
    }

    /**
     * {@code --warmup Ss} trains a scratch copy of the network for S seconds (the JIT's warm-up), then the timed network
     * 10 iterations: the timed network is the one {@code --warmup 10} times, the same steps to the last digit.
     */
    @Test
    void benchWarmsUpTheJitOnAScratchCopy() {
        String[] common = smallBench("--iterations", "2", "--repeat", "1");
        Result seconds = succeeds(concat(common, "--warmup", "0.5s"));
        assertEquals(0.5, number(seconds.lastLine(), "jit_warmup_seconds"), 0.0);
        assertTrue(number(seconds.lastLine(), "jit_warmup_iterations") >= 2, seconds.lastLine());
        assertEquals(10, number(seconds.lastLine(), "warmup_iterations"), 0.0);
        assertTrue(seconds.out.contains("warming up: 0.5 s"), seconds.out);
        Result ten = succeeds(concat(common, "--warmup", "10"));
        assertEquals(0, number(ten.lastLine(), "jit_warmup_iterations"), 0.0);
        assertEquals(number(ten.lastLine(), "mean_free_steps"), number(seconds.lastLine(), "mean_free_steps"), 0.0);
        assertEquals(number(ten.lastLine(), "mean_nudged_steps"), number(seconds.lastLine(), "mean_nudged_steps"),
                0.0);
        assertRefused(common, "--warmup", "3x", "-1s", "-2", "s");
    }

    /**
     * {@code --repeat R} times R rounds, each from the preset's initial weights: the same steps as one round, R times
     * the timed iterations; {@code --repeat Ss} runs rounds until S seconds of timed iterations have passed.
     */
    @Test
    void benchRepeatsItsTimedRoundsFromTheSameWeights() {
        String[] common = smallBench("--iterations", "20", "--warmup", "2");
        Result one = succeeds(concat(common, "--repeat", "1"));
        assertEquals(1, number(one.lastLine(), "rounds"), 0.0);
        assertEquals(20, number(one.lastLine(), "timed_iterations"), 0.0);
        Result three = succeeds(concat(common, "--repeat", "3"));
        assertEquals(3, number(three.lastLine(), "rounds"), 0.0);
        assertEquals(60, number(three.lastLine(), "timed_iterations"), 0.0);
        assertEquals(number(one.lastLine(), "mean_free_steps"), number(three.lastLine(), "mean_free_steps"), 1e-9);
        assertEquals(number(one.lastLine(), "mean_nudged_steps"), number(three.lastLine(), "mean_nudged_steps"),
                1e-9);
        assertTrue(three.out.contains("of 3 rounds"), three.out);
        Result seconds = succeeds(concat(common, "--repeat", "0.3s"));
        double rounds = number(seconds.lastLine(), "rounds");
        double perIteration = number(seconds.lastLine(), "seconds_per_iteration");
        assertTrue(rounds >= 1 && number(seconds.lastLine(), "timed_iterations") * perIteration >= 0.3 * 0.999,
                seconds.lastLine());
        assertRefused(common, "--repeat", "0", "-1", "0s", "x", "-2s");
    }

    /** bench's progress lines: at most one per interval, none within it, none without a stream. */
    @Test
    void benchTicksAtMostOncePerInterval() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        BenchCommand.Ticker every = new BenchCommand.Ticker(err, 0);
        every.say(() -> "one");
        every.say(() -> "two");
        assertEquals("bench: one\nbench: two\n", bytes.toString(java.nio.charset.StandardCharsets.UTF_8)
                .replace(System.lineSeparator(), "\n"));
        bytes.reset();
        BenchCommand.Ticker hourly = new BenchCommand.Ticker(err, 3_600_000_000_000L);
        hourly.say(() -> {
            throw new AssertionError("a line within the interval is not even formatted");
        });
        assertEquals(0, bytes.size());
        new BenchCommand.Ticker(null, 0).say(() -> "nowhere");
    }

    /** mnist-fc1 at batch 8 with a tolerance (step counts that depend on the weights), no reference, and more. */
    private static String[] smallBench(String... more) {
        return concat(new String[]{"bench", "--preset", "mnist-fc1", "--batch", "8", "--no-reference", "--tolerance",
                "1e-3"}, more);
    }

    /** The command's result, after checking that it exited 0. */
    private static Result succeeds(String... args) {
        Result r = run(args);
        assertEquals(0, r.code, r.err);
        return r;
    }

    /** Each of the {@code values} of {@code option} added to {@code common} exits 2 with a message naming it. */
    private static void assertRefused(String[] common, String option, String... values) {
        for (String bad : values) {
            Result r = run(concat(common, option, bad));
            assertEquals(2, r.code, bad + ": " + r.lastLine());
            assertTrue(r.lastLine().contains(option), r.lastLine());
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void benchRunsOnTheFirstTestImagesOfThePresetsData(@TempDir Path dir) throws IOException {
        Path data = writeData(dir.resolve("data"), 20, 12);
        Result real = run("bench", "--preset", "mnist-fc1", "--batch", "8", "--iterations", "1", "--warmup", "0", "--repeat", "1",
                "--no-reference", "--data", "real", "--data-dir", data.toString(), "--agreement", "40,10");
        assertEquals(0, real.code, real.err);
        assertTrue(real.lastLine().contains("\"data\": \"real\"") && real.lastLine().contains("\"gradient_cosine\""),
                real.lastLine());
        Result tooLarge = run("bench", "--preset", "mnist-fc1", "--batch", "16", "--iterations", "1", "--warmup",
                "0", "--repeat", "1", "--no-reference", "--data", "real", "--data-dir", data.toString());
        assertEquals(1, tooLarge.code, tooLarge.lastLine());
        assertTrue(tooLarge.lastLine().contains("12 test examples"), tooLarge.lastLine());
        Result bad = run("bench", "--preset", "mnist-fc1", "--data", "noise");
        assertEquals(2, bad.code, bad.lastLine());
        assertTrue(bad.lastLine().contains("--data"), bad.lastLine());
    }
}
