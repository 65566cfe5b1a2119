package org.eqprop.examples.cli;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.data.LabeledImages;
import org.eqprop.data.ShufflingIterator;
import org.eqprop.io.ModelFiles;
import org.eqprop.io.Npz;
import org.eqprop.io.NumpyParams;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.nn.layers.ResistiveBlockLayer;
import org.eqprop.training.ContinualEqProp;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code eqprop train}: trains a preset on MNIST, evaluating and saving after each epoch. */
final class TrainCommand {

    private TrainCommand() {
    }

    static Json run(Args a, PrintStream out, PrintStream err) throws IOException {
        Preset p = Preset.named(a.required("preset")).override(a);
        int epochs = p.epochs;
        int trainLimit = a.integer("train-limit", 0, 0);
        int testLimit = a.integer("test-limit", 0, 0);
        long seed = a.longValue("seed", 1234);
        Path dataDir = a.path("data-dir");
        Path outDir = a.path("out");
        Path initParams = a.path("init-params");
        if (outDir == null) {
            outDir = Paths.get("runs", p.name);
        }
        String spark = a.string("spark", null);
        SparkTrainCommand.Options sparkOptions = new SparkTrainCommand.Options(spark, a.string("spark-mode", "sync"),
                a.integer("partitions", 0, 1), a.integer("averaging-frequency", 5, 1), a.flag("resume"), seed,
                outDir, initParams);
        if (spark == null && (sparkOptions.resume() || a.wasGiven("spark-mode") || a.wasGiven("partitions")
                || a.wasGiven("averaging-frequency"))) {
            throw new Args.UsageException("--resume, --spark-mode, --partitions and --averaging-frequency belong to "
                    + "--spark MASTER");
        }
        a.rejectUnknown();

        Datasets.Data data = Datasets.load(p.dataset, dataDir, trainLimit, testLimit, p.augment, seed);
        LabeledImages train = data.train();
        LabeledImages test = data.test();
        if (p.resistive) {
            out.printf(Locale.ROOT, "preset %s: resistive network %s (inputs x%s doubled, amplifier gain %s, diodes "
                    + "[%s, %s]), beta=+-%s, tolerance %s V, %s, batch %d, %d epochs; %d train / %d test examples from "
                    + "%s; learning rate %s (%s)%n", p.name, p.architecture(), p.inputGain, p.amplifierGain,
                    p.diodeLow, p.diodeHigh, p.beta, p.tolerance, p.signOnly ? "sign-only updates" : "SGD",
                    p.batchSize, epochs, train.size(), test.size(), data.location(),
                    java.util.Arrays.toString(p.learningRates), p.schedule);
        } else {
            out.printf(Locale.ROOT, "preset %s (%s%s): %s (%s), T=%d K=%d beta=%s %s, batch %d, %d epochs; "
                        + "%d train / %d test examples from %s; learning rates %s (%s)%n", p.name, p.algorithm,
                p.spiking == null ? "" : ", spiking: " + p.spiking.describe(),
                p.architecture(), p.cost, p.freeSteps, p.nudgedSteps, p.beta, p.estimator, p.batchSize, epochs,
                train.size(), test.size(), data.location(), java.util.Arrays.toString(p.learningRates), p.schedule);
        }
        if (spark != null) {
            return SparkTrainCommand.run(p, data, sparkOptions, out, err);
        }

        MultiLayerNetwork net = p.resistive ? new MultiLayerNetwork(p.configuration(seed, DataType.FLOAT))
                : new EqPropNetwork(p.configuration(seed, DataType.FLOAT));
        net.init();
        if (initParams != null) {
            NumpyParams.load(net, Npz.read(initParams));
            out.println("initial parameters from " + initParams);
        }
        ShufflingIterator it = data.trainIterator(p.batchSize, seed);
        Progress progress = new Progress(err, it.batchesPerEpoch());
        net.setListeners(progress);
        ContinualEqProp continual = p.isContinual() ? new ContinualEqProp((EqPropNetwork) net, p.learningRates) : null;
        if (continual != null) {
            out.printf(Locale.ROOT, "%s: weights updated at each of the K=%d nudged steps with rates %s (plain SGD, "
                    + "constant)%s%n", p.algorithm.toUpperCase(Locale.ROOT), p.nudgedSteps,
                    java.util.Arrays.toString(p.learningRates), p.algorithm.equals("c-vf") ? String.format(Locale.ROOT,
                            "; feedback weights at %.1f degrees from the forward ones",
                            continual.feedbackAngles()[0]) : "");
        }
        List<double[]> angles = new ArrayList<>();
        Path modelPath = outDir.resolve("model.zip");

        List<Double> testErrors = new ArrayList<>();
        List<Double> trainErrors = new ArrayList<>();
        List<Double> epochSeconds = new ArrayList<>();
        org.eqprop.spiking.SpikeCounter spikes = net.getLayer(0) instanceof EqPropBlockLayer b
                ? b.spikeCounter() : new org.eqprop.spiking.SpikeCounter();
        double trainSpikes = 0;
        double inputSpikes = 0;
        double testSpikes = 0;
        long iterations = 0;
        double trainSeconds = 0;
        for (int e = 1; e <= epochs; e++) {
            it.reset();
            progress.startEpoch(e, epochs);
            long t0 = System.nanoTime();
            spikes.reset();
            if (continual != null) {
                continual.fit(it);
            } else {
                net.fit(it);
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            trainSeconds += sec;
            iterations += it.batchesPerEpoch();
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
        Json summary = new Json().put("command", "train").put("preset", p.name).put("algorithm", p.algorithm)
                .put("epochs", epochs).put("estimator", p.estimator).put("beta", p.beta)
                .put("train_error", trainErrors.get(trainErrors.size() - 1))
                .put("test_error", testErrors.get(testErrors.size() - 1))
                .put("seconds_per_iteration", trainSeconds / iterations).put("batch_size", p.batchSize)
                .put("train_examples", train.size()).put("test_examples", test.size())
                .put("test_errors", testErrors).put("train_errors", trainErrors).put("epoch_seconds", epochSeconds);
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
        if (p.estimator.equals("holomorphic")) {
            summary.put("holomorphic_points", p.holomorphicPoints);
        }
        summary.put("mean_free_steps", block.relaxationStats().meanFreeSteps())
                .put("mean_nudged_steps", block.relaxationStats().meanNudgedSteps())
                .put("non_converged_phases", block.relaxationStats().nonConverged())
                .put("feedback_angles", angles)
                .put("peak_rss_mb", PeakMemory.megabytes())
                .put("relaxation_state_mb", block.relaxationStats().peakStateBytes() / 1e6)
                .put("model", modelPath.toString())
                .put("engine", p.engine).put("engine_used", BenchCommand.engineUsed(block))
                .put("device_h2d_bytes", block.deviceTraffic().h2dBytes())
                .put("device_d2h_bytes", block.deviceTraffic().d2hBytes())
                .put("accelerator_status", String.join("; ", org.eqprop.dynamics.EngineChoice.acceleratorStatus()));
        if (p.spiking != null) {
            summary.put("spiking", p.spiking.describe()).put("spikes_per_neuron_per_step", trainSpikes)
                    .put("test_spikes_per_neuron_per_step", testSpikes)
                    .put("input_spikes_per_neuron_per_step", inputSpikes);
        }
        return summary;
    }

    static double testError(MultiLayerNetwork net, ShufflingIterator test) {
        Evaluation ev = net.evaluate(test);
        return 1.0 - ev.accuracy();
    }
}
