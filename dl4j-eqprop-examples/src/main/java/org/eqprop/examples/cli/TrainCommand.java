package org.eqprop.examples.cli;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.data.LabeledImages;
import org.eqprop.data.ShufflingIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.eqprop.io.AtomicFiles;
import org.eqprop.io.Checkpoint;
import org.eqprop.io.ModelFiles;
import org.eqprop.io.RunDirectory;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.nn.layers.ResistiveBlockLayer;
import org.eqprop.training.ContinualEqProp;
import org.eqprop.training.DivergenceException;
import org.eqprop.training.DivergenceGuard;
import org.eqprop.training.DivergenceSettings;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop train}: trains a preset on MNIST or CIFAR-10, evaluating after each epoch. The output folder is held
 * for the run ({@link RunDirectory}: locked, checked writable, never taken over silently) and gets, atomically:
 * {@code model.zip} (the last epoch's network), {@code model-best.zip} (the lowest test error so far),
 * {@code history.tsv} and {@code checkpoint.zip} (after every epoch and every {@code --checkpoint-every} iterations:
 * everything {@code --resume} needs to continue the run exactly). A {@link DivergenceGuard} stops a diverging run with
 * reason {@code diverged}, keeping the last good checkpoint.
 */
final class TrainCommand {

    static final String MODEL = "model.zip";
    static final String BEST_MODEL = "model-best.zip";
    static final String CHECKPOINT = "checkpoint.zip";
    static final String HISTORY = "history.tsv";
    /** The files that make a run: a folder holding one is not reused without --resume or --overwrite. */
    static final List<String> RUN_FILES = List.of(MODEL, BEST_MODEL, CHECKPOINT, HISTORY, TimeToAccuracy.TSV,
            TimeToAccuracy.PNG);
    /** The options a resumed run may give anew; any other must be as the run was started (or left out). */
    static final Set<String> RESUMABLE = Set.of("out", "resume", "data-dir", "epochs", "checkpoint-every",
            "divergence-factor", "divergence-window", "no-divergence-check");

    private TrainCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("train", "Train a preset, evaluating after each epoch.",
                "Trains a preset, with any of its settings overridden by options, and writes the run folder "
                        + "(--out, default runs/PRESET): model.zip (the last epoch), model-best.zip (the lowest test "
                        + "error), history.tsv, checkpoint.zip and time-to-accuracy.tsv/.png (test error against "
                        + "training time), each written atomically. A folder that holds a run "
                        + "is refused unless --resume (continue it exactly) or --overwrite (start again). Prints a "
                        + "progress bar with the running training accuracy on stderr, one line per epoch with the "
                        + "train and test error, and as its last stdout line the JSON summary: preset, epochs, "
                        + "train_error, test_error, seconds_per_iteration, batch_size, the per-epoch curves, the "
                        + "model path, the process's peak resident memory (peak_rss_mb) and the relaxation state the "
                        + "block held at once (relaxation_state_mb).",
                "--algorithm bptt and rbp train the same network by the backpropagation baselines, c-ep and c-vf "
                        + "by continual EqProp. --spark MASTER trains on Spark. A run that diverges stops with "
                        + "reason \"diverged\" and keeps its last good checkpoint.");
        spec.addOption(PresetOptions.preset().required(true).build());
        Cli.addGroup(spec, "Run:",
                Options.path("--out", "DIR", "the run folder; default runs/PRESET"),
                Options.flag("--resume", "continue the run in --out exactly, with the command line stored in its "
                        + "checkpoint; only " + RESUMABLE.stream().filter(k -> !k.equals("resume")).sorted()
                        .map(k -> "--" + k).collect(java.util.stream.Collectors.joining(", ")) + " may change"),
                Options.flag("--overwrite", "delete the run in --out and start again"),
                Options.integer("--checkpoint-every", "N", 0, "also checkpoint every N iterations (a checkpoint "
                        + "ends every epoch); 0: at epoch ends only").defaultValue("0"),
                Options.dataDir(),
                Options.trainLimit(),
                Options.testLimit(),
                Options.longInteger("--seed", "S", "seed of the weights and the data order").defaultValue("1234"),
                Options.path("--init-params", "PARAMS.npz", "start from NumPy parameters in PyTorch's layout (Wk "
                        + "[out, in] or a convolution's [out, in, kH, kW], bk [out]; docs/data.md), as export writes them"));
        PresetOptions.groups().forEach(spec::addArgGroup);
        Cli.addGroup(spec, "Divergence check:",
                Options.number("--divergence-factor", "F", Options.Range.ANY, "stop when the loss's running mean "
                        + "rises above F times its best, giving back a tenth of its gain; default " + DivergenceSettings.DEFAULT.factor()),
                Options.integer("--divergence-window", "N", 1, "iterations per running mean of the loss; default "
                        + DivergenceSettings.DEFAULT.window()),
                Options.flag("--no-divergence-check", "stop on non-finite values only"));
        Cli.addGroup(spec, "Spark (docs/spark.md):",
                Options.text("--spark", "MASTER", "train on Spark: local[2], spark://host:7077, yarn; "
                        + "checkpoints model.zip after every epoch, --resume continues from it"),
                Options.choice("--spark-mode", List.of("sync", "averaging"), "synchronous gradient averaging (the "
                        + "single-machine steps) or DL4J parameter averaging").defaultValue("sync"),
                Options.integer("--partitions", "N", 1, "partitions of the training set; default the master's "
                        + "parallelism"),
                Options.integer("--averaging-frequency", "F", 1, "averaging: minibatches between parameter "
                        + "averages").defaultValue("5"));
        return spec;
    }

    static Json run(Args given, PrintStream out, PrintStream err) throws IOException {
        boolean resume = given.flag("resume");
        boolean overwrite = given.flag("overwrite");
        if (resume && overwrite) {
            throw new Args.UsageException("--resume continues the run in --out and --overwrite replaces it: give one");
        }
        Path outDir = given.path("out");
        if (outDir == null) {
            outDir = Paths.get("runs", given.required("preset"));
        }
        String spark = given.string("spark", null);
        Map<String, Object> resumedState = null;
        Args a = given;
        if (resume && spark == null) {
            Path ck = outDir.resolve(CHECKPOINT);
            if (!Files.isRegularFile(ck)) {
                throw new Args.UsageException("--resume: " + outDir + " holds no checkpoint (" + CHECKPOINT + ")"
                        + (Files.isRegularFile(outDir.resolve(MODEL)) ? "; its model.zip comes from a run without "
                        + "checkpoints: start again with --overwrite or --init-params" : ""));
            }
            resumedState = Checkpoint.readState(ck);
            a = resumedArguments(given, resumedState);
        }
        return train(a, outDir, resume, overwrite, spark, out, err);
    }

    /** The stored command line of the run being resumed, with the options a resume may change taken from this one. */
    @SuppressWarnings("unchecked")
    static Args resumedArguments(Args given, Map<String, Object> state) {
        Object stored = state.get("arguments");
        if (!(stored instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("the checkpoint records no command line to resume");
        }
        Map<String, String> merged = new LinkedHashMap<>((Map<String, String>) stored);
        for (Map.Entry<String, String> e : given.given().entrySet()) {
            String k = e.getKey();
            if (RESUMABLE.contains(k)) {
                merged.put(k, e.getValue());
            } else if (!e.getValue().equals(merged.get(k))) {
                throw new Args.UsageException("--resume continues the run as it was started: --" + k + " "
                        + e.getValue() + " differs from the run's " + (merged.containsKey(k) ? "--" + k + " "
                        + merged.get(k) : "(not given)") + "; only " + String.join(", ", new java.util.TreeSet<>(
                        RESUMABLE)) + " may change");
            }
        }
        merged.put("resume", "true");
        return given.withOptions(merged);
    }

    private static Json train(Args a, Path outDir, boolean resume, boolean overwrite, String spark, PrintStream out,
                              PrintStream err) throws IOException {
        a.flag("resume");
        a.flag("overwrite");
        a.path("out");
        Preset p = Preset.named(a.required("preset")).override(a);
        int epochs = p.epochs;
        int trainLimit = a.integer("train-limit", 0, 1);
        int testLimit = a.integer("test-limit", 0, 1);
        long seed = a.longValue("seed");
        Path dataDir = a.path("data-dir");
        Path initParams = a.path("init-params");
        int checkpointEvery = a.integer("checkpoint-every");
        DivergenceSettings divergence = divergence(a);
        SparkTrainCommand.Options sparkOptions = new SparkTrainCommand.Options(spark, a.string("spark-mode"),
                a.integer("partitions", 0, 1), a.integer("averaging-frequency"), resume, seed,
                outDir, initParams);
        if (spark == null && (a.wasGiven("spark-mode") || a.wasGiven("partitions")
                || a.wasGiven("averaging-frequency"))) {
            throw new Args.UsageException("--spark-mode, --partitions and --averaging-frequency belong to "
                    + "--spark MASTER");
        }
        if (spark != null && checkpointEvery > 0) {
            throw new Args.UsageException("--checkpoint-every: a Spark run checkpoints after every epoch only");
        }
        if (p.isContinual() && checkpointEvery > 0) {
            throw new Args.UsageException("--checkpoint-every: --algorithm " + p.algorithm + " updates the weights "
                    + "inside its phases; it checkpoints after every epoch only");
        }
        a.rejectUnused();
        Map<String, String> arguments = new LinkedHashMap<>(a.given());
        arguments.remove("resume");
        arguments.remove("overwrite");

        RunDirectory.Mode mode = resume ? RunDirectory.Mode.RESUME : overwrite ? RunDirectory.Mode.OVERWRITE
                : RunDirectory.Mode.NEW;
        RunDirectory dir;
        try {
            dir = RunDirectory.open(outDir, mode, spark != null ? List.of(MODEL, HISTORY, TimeToAccuracy.TSV,
                    TimeToAccuracy.PNG) : RUN_FILES,
                    spark != null ? MODEL : CHECKPOINT);
        } catch (RunDirectory.Refused e) {
            if (e.isUsageError()) {
                throw new Args.UsageException(e.getMessage());
            }
            throw e;
        }
        try (dir) {
            if (dir.staleTemporariesRemoved() > 0) {
                out.printf(Locale.ROOT, "removed %d temporary file(s) left in %s by an interrupted save%n",
                        dir.staleTemporariesRemoved(), outDir);
            }
            Checkpoint.Loaded checkpoint = resume && spark == null ? Checkpoint.read(dir.resolve(CHECKPOINT)) : null;
            return train(p, a, dir, checkpoint, arguments, epochs, trainLimit, testLimit, seed, dataDir, initParams,
                    checkpointEvery, divergence, spark, sparkOptions, out, err);
        }
    }

    static DivergenceSettings divergence(Args a) {
        boolean off = a.flag("no-divergence-check");
        Double factor = a.optionalDouble("divergence-factor");
        int window = a.integer("divergence-window", DivergenceSettings.DEFAULT.window(), 1);
        if (off && (factor != null || a.wasGiven("divergence-window"))) {
            throw new Args.UsageException("--no-divergence-check excludes --divergence-factor and --divergence-window");
        }
        try {
            return off ? DivergenceSettings.NON_FINITE_ONLY : new DivergenceSettings(factor == null
                    ? DivergenceSettings.DEFAULT.factor() : factor, window, true);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--divergence-factor / --divergence-window: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Json train(Preset p, Args a, RunDirectory dir, Checkpoint.Loaded checkpoint,
                              Map<String, String> arguments, int epochs, int trainLimit, int testLimit, long seed,
                              Path dataDir, Path initParams, int checkpointEvery, DivergenceSettings divergence,
                              String spark, SparkTrainCommand.Options sparkOptions, PrintStream out, PrintStream err)
            throws IOException {
        Path outDir = dir.path();
        Datasets.Data data = Datasets.load(p.dataset, dataDir, trainLimit, testLimit, p.augment, seed);
        LabeledImages train = data.train();
        LabeledImages test = data.test();
        if (p.resistive) {
            out.printf(Locale.ROOT, "preset %s: resistive network %s (inputs x%s doubled, amplifier gain %s, diodes "
                    + "[%s, %s]), beta=+-%s, tolerance %s V, %s, batch %d, %d epochs; %d train / %d test examples from "
                    + "%s; learning rate %s (%s)%n", p.name, p.architecture(), p.inputGain, p.amplifierGain,
                    p.diodeLow, p.diodeHigh, p.estimation.beta(), p.relaxation.tolerance(), p.signOnly ? "sign-only updates" : "SGD",
                    p.batchSize, epochs, train.size(), test.size(), data.location(),
                    java.util.Arrays.toString(p.learningRates), p.schedule);
        } else {
            out.printf(Locale.ROOT, "preset %s (%s%s): %s (%s), %s beta=%s %s, batch %d, %d epochs; "
                        + "%d train / %d test examples from %s; learning rates %s (%s)%n", p.name, p.algorithm,
                p.spiking == null ? "" : ", spiking: " + p.spiking.describe(),
                p.architecture(), p.cost, p.stepsDescription(), p.estimation.beta(), p.estimation.estimator().cliName(), p.batchSize, epochs,
                train.size(), test.size(), data.location(), java.util.Arrays.toString(p.learningRates), p.schedule);
        }
        if (spark != null) {
            return SparkTrainCommand.run(p, data, sparkOptions, out, err);
        }

        MultiLayerNetwork net;
        Map<String, Object> state = checkpoint == null ? Map.of() : checkpoint.state();
        int epochsDone = ((Number) state.getOrDefault("epochs_done", 0)).intValue();
        int batchesDone = ((Number) state.getOrDefault("batches_done", 0)).intValue();
        if (checkpoint != null) {
            net = p.resistive ? checkpoint.net() : EqPropNetwork.wrap(checkpoint.net());
            Checkpoint.restoreRandomStates(net, state);
            out.printf(Locale.ROOT, "resuming from %s: epoch %d, batch %d of %d%n", outDir.resolve(CHECKPOINT),
                    epochsDone + 1, batchesDone, (train.size() + p.batchSize - 1) / p.batchSize);
            if (epochsDone >= epochs) {
                out.printf(Locale.ROOT, "the run already has %d epochs (--epochs %d): nothing to train%n",
                        epochsDone, epochs);
            }
        } else {
            net = p.resistive ? new MultiLayerNetwork(p.configuration(seed, DataType.FLOAT))
                    : new EqPropNetwork(p.configuration(seed, DataType.FLOAT));
            net.init();
            if (initParams != null) {
                ExportCommand.load(net, initParams, "--init-params");
                out.println("initial parameters from " + initParams);
            }
        }
        ContinualEqProp continual = p.isContinual() ? new ContinualEqProp((EqPropNetwork) net, p.learningRates) : null;
        // the iterator as the run left it: the loop resets it at each epoch (ContinualEqProp.fit once more)
        ShufflingIterator it = checkpoint == null ? data.trainIterator(p.batchSize, seed)
                : data.resumedTrainIterator(p.batchSize, seed, continual != null ? 2 * epochsDone + 1 : epochsDone + 1,
                epochsDone, batchesDone * p.batchSize);
        Progress progress = new Progress(err, it.batchesPerEpoch());
        if (continual != null) {
            out.printf(Locale.ROOT, "%s: weights updated at each of the K=%d nudged steps with rates %s (plain SGD, "
                    + "constant)%s%n", p.algorithm.toUpperCase(Locale.ROOT), p.relaxation.nudgedSteps(),
                    java.util.Arrays.toString(p.learningRates), p.algorithm.equals("c-vf") ? String.format(Locale.ROOT,
                            "; feedback weights at %.1f degrees from the forward ones",
                            continual.feedbackAngles()[0]) : "");
        }
        List<double[]> angles = new ArrayList<>();
        Path modelPath = outDir.resolve(MODEL);
        Path checkpointPath = outDir.resolve(CHECKPOINT);

        List<Double> testErrors = numbers(state.get("test_errors"));
        List<Double> trainErrors = numbers(state.get("train_errors"));
        List<Double> epochSeconds = numbers(state.get("epoch_seconds"));
        // the finished epochs' iterations and seconds (a checkpoint's iterations and train_seconds also hold its partial
        // epoch's, which the epoch's end counts anew: counting them twice inflated a run resumed twice in one epoch)
        long[] iterations = {((Number) state.getOrDefault("iterations", 0)).longValue() - batchesDone};
        double[] trainSeconds = {epochSeconds.stream().mapToDouble(Double::doubleValue).sum()};
        double[] best = {state.get("best_test_error") instanceof Number n ? n.doubleValue()
                : Double.POSITIVE_INFINITY};
        RunState run = new RunState(arguments, testErrors, trainErrors, epochSeconds, iterations, trainSeconds, best);
        DivergenceGuard guard = new DivergenceGuard(divergence);
        int[] epochNow = {epochsDone + 1};
        long[] epochStart = {System.nanoTime()};
        BaseTrainingListener checkpoints = new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                if (checkpointEvery <= 0 || progress.batches() >= it.batchesPerEpoch()) {
                    return;
                }
                // DL4J counts this iteration and applies constraints after its listeners: as a resumed run will see it
                int count = net.getIterationCount() + 1;
                if (count % checkpointEvery != 0) {
                    return;
                }
                net.applyConstraints(count, net.getEpochCount());
                net.getLayerWiseConfigurations().setIterationCount(count);
                try {
                    double partial = (System.nanoTime() - epochStart[0]) / 1e9;
                    Checkpoint.write(checkpointPath, net, run.state(epochNow[0] - 1, progress.batches(), progress,
                            partial));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot write the checkpoint " + checkpointPath + ": "
                            + e.getMessage(), e);
                } finally {
                    net.getLayerWiseConfigurations().setIterationCount(count - 1);
                }
            }
        };
        net.setListeners(progress, guard, checkpoints);

        org.eqprop.spiking.SpikeCounter spikes = net.getLayer(0) instanceof EqPropBlockLayer b
                ? b.spikeCounter() : new org.eqprop.spiking.SpikeCounter();
        double trainSpikes = 0;
        double inputSpikes = 0;
        double testSpikes = 0;
        for (int e = epochsDone + 1; e <= epochs; e++) {
            boolean resumedEpoch = checkpoint != null && e == epochsDone + 1;
            double before = 0;
            progress.startEpoch(e, epochs);
            if (resumedEpoch) {
                progress.resumeEpoch(batchesDone, ((Number) state.getOrDefault("train_correct", 0)).longValue(),
                        ((Number) state.getOrDefault("train_seen", 0)).longValue());
                before = ((Number) state.getOrDefault("epoch_seconds_so_far", 0.0)).doubleValue();
            } else {
                it.reset();
            }
            epochNow[0] = e;
            long t0 = System.nanoTime();
            epochStart[0] = t0 - (long) (before * 1e9);
            spikes.reset();
            try {
                if (continual != null) {
                    continual.fit(it);
                } else {
                    net.fit(it);
                }
            } catch (DivergenceException d) {
                throw diverged(d, e, checkpointPath);
            }
            try {
                guard.checkEpoch(progress.trainError(), progress.seen(), progress.batches(), p.classes, e);
            } catch (DivergenceException d) {
                throw diverged(d, e, checkpointPath);
            }
            double sec = before + (System.nanoTime() - t0) / 1e9;
            trainSeconds[0] += sec;
            iterations[0] += it.batchesPerEpoch();
            trainSpikes = spikes.spikesPerNeuronPerStep();
            inputSpikes = spikes.inputSpikesPerNeuronPerStep();
            spikes.reset();
            double testError = testError(net, data.testIterator(p.batchSize < 100 ? 500 : p.batchSize));
            testErrors.add(testError);
            testSpikes = spikes.spikesPerNeuronPerStep();
            trainErrors.add(progress.trainError());
            epochSeconds.add(sec);
            PeakMemory.sample();
            ModelFiles.save(net, modelPath);
            if (testError < best[0]) {
                best[0] = testError;
                ModelFiles.save(net, outDir.resolve(BEST_MODEL));
            }
            AtomicFiles.write(outDir.resolve(HISTORY), run.historyTsv());
            // time-to-accuracy report: test error against the training seconds summed over epochs (and resumes)
            TimeToAccuracy.write(outDir, p.name, epochSeconds, testErrors, trainErrors);
            Checkpoint.write(checkpointPath, net, run.state(e, 0, null, 0));
            out.printf(Locale.ROOT, "epoch %d: train error %.2f%%, test error %.2f%%, %.1f s (%.2f ms/iteration)%n",
                    e, 100 * progress.trainError(), 100 * testError, sec, 1000 * sec / it.batchesPerEpoch());
            if (p.spiking != null) {
                out.printf(Locale.ROOT, "  spikes per neuron per step: %.4f training, %.4f test inference "
                        + "(input neurons %.4f)%n", trainSpikes, testSpikes, inputSpikes);
            }
            if (continual != null && continual.feedbackAngles().length > 0) {
                angles.add(continual.feedbackAngles());
                out.printf(Locale.ROOT, "  angle between forward and feedback weights: %s degrees%n",
                        java.util.Arrays.toString(continual.feedbackAngles()));
            }
        }
        if (testErrors.isEmpty()) {
            throw new Args.UsageException("--epochs " + epochs + ": the run has " + epochsDone + " epochs already");
        }
        Json summary = new Json().put("command", "train").put("preset", p.name).put("algorithm", p.algorithm)
                .put("epochs", epochs).put("estimator", p.estimation.estimator().cliName()).put("beta", p.estimation.beta())
                .put("train_error", trainErrors.get(trainErrors.size() - 1))
                .put("test_error", testErrors.get(testErrors.size() - 1))
                .put("seconds_per_iteration", iterations[0] > 0 ? trainSeconds[0] / iterations[0] : null)
                .put("batch_size", p.batchSize)
                .put("train_examples", train.size()).put("test_examples", test.size())
                .put("test_errors", testErrors).put("train_errors", trainErrors).put("epoch_seconds", epochSeconds)
                .put("best_test_error", best[0]).put("out_dir", outDir.toString())
                .put("checkpoint", checkpointPath.toString()).put("best_model", outDir.resolve(BEST_MODEL).toString())
                .put("resumed", checkpoint != null)
                .put("resumed_at", checkpoint == null ? null : List.of(epochsDone + 1, batchesDone))
                .put("checkpoint_every", checkpointEvery)
                .put("divergence_factor", Double.isInfinite(divergence.factor()) ? null : divergence.factor())
                .put("data_location", data.location() == null ? null : data.location().toString())
                .put("data_source", data.source()).put("data_sha256", data.sha256());
        if (net.getLayer(0) instanceof ResistiveBlockLayer r) {
            return summary.put("mean_free_sweeps", r.solverStats().meanFreeSweeps())
                    .put("mean_nudged_sweeps", r.solverStats().meanNudgedSweeps())
                    .put("non_converged_phases", r.solverStats().nonConverged())
                    .put("kcl_residual", r.solverStats().maxKclResidual())
                    .put("temperature", r.layerConf().getTemperature()).put("node_noise_volts", r.nodeNoiseVolts())
                    .put("peak_rss_mb", PeakMemory.megabytes())
                    .put("model", modelPath.toString());
        }
        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        if (p.estimation.estimator() == org.eqprop.estimators.GradientEstimator.Kind.HOLOMORPHIC) {
            summary.put("holomorphic_points", p.estimation.holomorphicPoints());
        }
        summary.put("mean_free_steps", block.relaxationStats().meanFreeSteps())
                .put("mean_nudged_steps", block.relaxationStats().meanNudgedSteps())
                .put("non_converged_phases", block.relaxationStats().nonConverged())
                .put("feedback_angles", angles)
                .put("peak_rss_mb", PeakMemory.megabytes())
                .put("relaxation_state_mb", block.relaxationStats().peakStateBytes() / 1e6)
                .put("model", modelPath.toString())
                .put("engine", p.relaxation.engine().cliName()).put("engine_used", BenchCommand.engineUsed(block))
                .put("device_h2d_bytes", block.deviceTraffic().h2dBytes())
                .put("device_d2h_bytes", block.deviceTraffic().d2hBytes())
                .put("accelerator_status", String.join("; ", org.eqprop.engines.EngineChoice.acceleratorStatus()));
        if (p.spiking != null) {
            summary.put("spiking", p.spiking.describe()).put("spikes_per_neuron_per_step", trainSpikes)
                    .put("test_spikes_per_neuron_per_step", testSpikes)
                    .put("input_spikes_per_neuron_per_step", inputSpikes);
        }
        return summary;
    }

    private static RunFailure diverged(DivergenceException d, int epoch, Path checkpointPath) {
        Map<String, Object> kept = new LinkedHashMap<>();
        kept.put("epoch", epoch);
        kept.put("iteration", d.iteration() < 0 ? null : d.iteration());
        kept.put("checkpoint", Files.isRegularFile(checkpointPath) ? checkpointPath.toString() : null);
        return new RunFailure("diverged", d.getMessage() + (Files.isRegularFile(checkpointPath)
                ? "; the last good checkpoint is kept in " + checkpointPath : ""), kept, d);
    }

    private static List<Double> numbers(Object stored) {
        List<Double> out = new ArrayList<>();
        if (stored instanceof List<?> l) {
            for (Object o : l) {
                out.add(((Number) o).doubleValue());
            }
        }
        return out;
    }

    /** What a checkpoint records of the run besides the network: its command line, history and place in the data. */
    record RunState(Map<String, String> arguments, List<Double> testErrors, List<Double> trainErrors,
                    List<Double> epochSeconds, long[] iterations, double[] trainSeconds, double[] best) {

        Map<String, Object> state(int epochsDone, int batchesDone, Progress progress, double epochSecondsSoFar) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("format", "eqprop-train-checkpoint-1");
            s.put("arguments", arguments);
            s.put("epochs_done", epochsDone);
            s.put("batches_done", batchesDone);
            s.put("train_correct", progress == null ? 0 : progress.correct());
            s.put("train_seen", progress == null ? 0 : progress.seen());
            s.put("epoch_seconds_so_far", epochSecondsSoFar);
            s.put("test_errors", testErrors);
            s.put("train_errors", trainErrors);
            s.put("epoch_seconds", epochSeconds);
            s.put("iterations", iterations[0] + (progress == null ? 0 : batchesDone));
            s.put("train_seconds", trainSeconds[0] + epochSecondsSoFar);
            s.put("best_test_error", Double.isInfinite(best[0]) ? null : best[0]);
            return s;
        }

        byte[] historyTsv() {
            StringBuilder b = new StringBuilder("epoch\ttrain_error\ttest_error\tseconds\n");
            for (int i = 0; i < testErrors.size(); i++) {
                b.append(String.format(Locale.ROOT, "%d\t%.6f\t%.6f\t%.3f%n", i + 1, trainErrors.get(i),
                        testErrors.get(i), epochSeconds.get(i)));
            }
            return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static double testError(MultiLayerNetwork net, ShufflingIterator test) {
        Evaluation ev = net.evaluate(test);
        return 1.0 - ev.accuracy();
    }
}
