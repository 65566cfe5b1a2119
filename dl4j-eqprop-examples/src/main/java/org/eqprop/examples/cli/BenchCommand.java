package org.eqprop.examples.cli;

import org.eqprop.interactions.ConvPoolInteraction;
import org.eqprop.kernels.ParallelGemm;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop bench}: times full training iterations (free phase, nudged phases, weight update) of a preset on
 * random data after a warm-up, and measures in the same run a matrix-product peak, the reference (one ND4J op per
 * step) engine, and the peak resident memory.
 */
final class BenchCommand {

    private BenchCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("bench", "Time training iterations of a preset.",
                "Times full training iterations (free phase, nudged phases, weight update) the way DL4J trains, "
                        + "fit over an iterator, one batch per iteration, after a warm-up, and prints "
                        + "seconds_per_iteration, steps_per_second, useful gflops against a 1024^3 matrix-product "
                        + "peak_gflops measured in the same run (with bf16 convolutions also a 1024^3 oneDNN "
                        + "bf16 x bf16 -> fp32 product peak, peak_gflops_bf16; fraction_of_peak divides by the "
                        + "peak named in peak_precision), the part of an iteration spent inside the EqProp "
                        + "block (block_seconds_per_iteration, block_fraction; the rest is DL4J's fit loop, loss "
                        + "layer and updater), the reference engine's time (unless "
                        + "--no-reference) and the peak resident memory. With a --tolerance the phases stop early "
                        + "and bench counts the steps they took (mean_free_steps, mean_nudged_steps) in its "
                        + "GFLOP/s. With --engine cuda its JSON line says where the block ran and what crossed the "
                        + "bus. The JSON line also names the machine (cpu_model, cores, onednn_isa). A long benchmark "
                        + "prints a progress line on stderr every 5 s.");
        spec.addOption(PresetOptions.preset().required(true).build());
        Cli.addGroup(spec, "Benchmark:",
                Options.integer("--batch", "B", 1, "examples per iteration").defaultValue("128"),
                Options.integer("--iterations", "N", 1, "timed iterations").defaultValue("50"),
                Options.text("--warmup", "N|Ss", "untimed work first: N iterations, or S seconds of training a "
                        + "scratch copy of the network, so that the JIT has compiled the per-iteration code (an "
                        + "mnist-fc1 iteration at batch 128 takes about twice its steady time for its first few "
                        + "thousand), then " + Warmup.SETTLE + " iterations").defaultValue(Warmup.DEFAULT),
                Options.text("--repeat", "R|Ss", "timed rounds: R of them, or rounds until S seconds of timed "
                        + "iterations have passed; each builds the network from the same initial weights, settles "
                        + "it and times --iterations iterations in blocks of ten, and the median is over the blocks "
                        + "of all rounds (on a shared machine a burst of other work then moves a few blocks, not "
                        + "the median)").defaultValue(Repeat.DEFAULT),
                Options.flag("--no-reference", "skip timing the reference engine (one ND4J op per step)"),
                Options.text("--agreement", "T,K[,order[,tol[,omega]]];...", "print the cosine similarity of the "
                        + "configured gradient with each listed reference (float32, direct convolutions) on the same weights "
                        + "and batch (T free "
                        + "and K nudged steps, synchronous or alternating updates, a tolerance, an over-relaxation "
                        + "omega), the references' pairwise cosines and the steps each took"),
                Options.choice("--data", List.of("random", "real"), "the batch: uniform random inputs with random "
                        + "labels, or the preset's first test images (--data-dir)").defaultValue("random"),
                Options.dataDir());
        PresetOptions.groups().forEach(spec::addArgGroup);
        return spec;
    }


    static Json run(Args a, PrintStream out, PrintStream err) throws java.io.IOException {
        Preset p = Preset.named(a.required("preset")).override(a);
        int batch = a.integer("batch");
        int iterations = a.integer("iterations");
        Warmup warmup = Warmup.parse(a.string("warmup"));
        Repeat repeat = Repeat.parse(a.string("repeat"));
        boolean compare = !a.flag("no-reference");
        String agreement = a.string("agreement");
        String data = a.string("data");
        java.nio.file.Path dataDir = a.path("data-dir");
        a.rejectUnused();
        p.batchSize = batch;
        List<Preset> against = agreement == null ? List.of() : references(p, agreement);
        DataSet ds = batch(p, data, dataDir, batch);
        String accelerator = String.join("; ", org.eqprop.engines.EngineChoice.acceleratorStatus());
        if (warmup.seconds() > 0) {
            out.printf(Locale.ROOT, "warming up: %.1f s of training a scratch copy of the network, then %d "
                    + "iterations (--warmup)%n", warmup.seconds(), warmup.iterations());
            out.flush();
        }
        Timing timing = time(p, ds, warmup, repeat, iterations, new Ticker(err));
        String used = timing.residentEngine() != null ? timing.residentEngine() : engineUsed(p);
        if (!engineName(p).equals(used) && (engineName(p).equals("cuda") || engineName(p).equals("auto"))) {
            out.printf(Locale.ROOT, "engine %s requested, ran %s (%s)%n", engineName(p), used,
                    accelerator.isEmpty() ? "module dl4j-eqprop-cuda not on the classpath" : accelerator);
        }
        double[] times = timing.seconds();
        String[] cpuConv = timing.convolutionLibrary() != null ? null : convolutionBackends(timing.convolutions());
        double peakFp32 = peakGflops();
        // bf16 convolutions are measured against a bf16 product of the same size (oneDNN: AMX or AVX512_BF16),
        // float32 ones and everything else against the float32 product
        boolean bf16 = cpuConv != null && cpuConv[1].contains("bf16");
        double peakBf16 = bf16 ? org.eqprop.interactions.ConvPoolInteraction.bf16PeakGflops(1024) : Double.NaN;
        String peakPrecision = bf16 && !Double.isNaN(peakBf16) ? "bf16" : "fp32";
        double peak = peakPrecision.equals("bf16") ? peakBf16 : peakFp32;
        double spi = mean(times);
        // with a tolerance the phases stop early: count the steps they took
        double free = p.relaxation.tolerance() > 0 ? timing.freeSteps() : p.relaxation.freeSteps();
        double nudged = p.relaxation.tolerance() > 0 ? timing.nudgedSteps() : p.relaxation.nudgedSteps();
        double steps = free + p.nudgedPhases() * nudged;
        double flops = p.flopsPerIteration(batch, free, nudged);
        double gflops = flops / spi / 1e9;
        String method = p.algorithm.equals("eqprop") ? p.estimation.estimator().cliName() : p.algorithm;
        out.printf(Locale.ROOT, "%s batch %d (%s, T=%d, K=%d, %s): %.2f ms/iteration (median %.2f of %d rounds), "
                        + "%.0f relaxation steps/s, %.2f GFLOP/s useful work; %s matrix-product peak %.1f GFLOP/s (%.1f%%)%n", p.name,
                batch, engineName(p), p.relaxation.freeSteps(), p.relaxation.nudgedSteps(), method, 1e3 * spi,
                1e3 * median(times), timing.rounds(), steps / spi, gflops, peakPrecision, peak, 100 * gflops / peak);
        if (!Double.isNaN(timing.blockSeconds())) {
            out.printf(Locale.ROOT, "of which %.2f ms (%.0f%%) inside the EqProp block (input checks, phases, "
                    + "gradient); the rest is DL4J's fit loop, loss layer and updater%n", 1e3 * timing.blockSeconds(),
                    100 * timing.blockSeconds() / spi);
        }
        if (p.relaxation.tolerance() > 0) {
            out.printf(Locale.ROOT, "tolerance %.1e: %.1f free steps, %.1f steps per nudged phase (means)%n",
                    p.relaxation.tolerance(), free, nudged);
        }
        if (cpuConv != null) {
            out.printf(Locale.ROOT, "convolutions: %s, %s operands, %s (%s)%n", cpuConv[0], cpuConv[1], cpuConv[2],
                    timing.convolutions());
        }
        Json j = new Json().put("command", "bench").put("preset", p.name).put("algorithm", method)
                .put("batch_size", batch).put("data", data)
                .put("engine", engineName(p)).put("engine_used", used)
                .put("precision", System.getProperty(org.eqprop.cuda.CudaEngineProvider.PRECISION_PROPERTY, "fp32"))
                .put("convolution", p.conv == null ? "none" : p.conv[0].getAlgorithm())
                .put("conv_library", p.conv == null ? "none" : timing.convolutionLibrary() != null
                        ? timing.convolutionLibrary() : cpuConv != null ? cpuConv[0] : "cpu-" + p.conv[0].getAlgorithm())
                .put("conv_precision", p.conv == null ? "none" : cpuConv != null ? cpuConv[1]
                        : p.relaxation.convolutionPrecision().cliName())
                .put("conv_precision_requested", p.conv == null ? "none"
                        : p.relaxation.convolutionPrecision().cliName())
                .put("conv_algorithm", p.conv == null ? "none" : cpuConv != null ? cpuConv[2] : "direct")
                .put("conv_runs", timing.convolutions().toString())
                .put("device_products", timing.device() == null ? "none" : timing.device())
                .put("cuda_available", org.eqprop.engines.EngineChoice.accelerated() != null)
                .put("accelerator_status", accelerator.isEmpty() ? "module dl4j-eqprop-cuda not on the classpath"
                        : accelerator)
                .put("iterations", iterations).put("rounds", timing.rounds())
                .put("timed_iterations", times.length * Math.min(10, iterations))
                .put("warmup_iterations", warmup.iterations())
                .put("jit_warmup_seconds", warmup.seconds())
                .put("jit_warmup_iterations", timing.jitWarmupIterations())
                .put("seconds_per_iteration", spi).put("median_seconds_per_iteration", median(times))
                .put("block_seconds_per_iteration", timing.blockSeconds())
                .put("block_fraction", timing.blockSeconds() / spi)
                .put("steps_per_iteration", steps).put("mean_free_steps", free).put("mean_nudged_steps", nudged)
                .put("steps_per_second", steps / spi).put("flops_per_iteration", flops)
                .put("gflops", gflops).put("peak_gflops", peakFp32);
        if (bf16) {
            j.put("peak_gflops_bf16", peakBf16);
        }
        j.put("peak_precision", peakPrecision).put("fraction_of_peak", gflops / peak)
                .put("resident_iteration", timing.residentEngine() != null)
                .put("h2d_bytes", timing.perIteration().h2dBytes())
                .put("d2h_bytes", timing.perIteration().d2hBytes())
                .put("device_allocations", timing.perIteration().allocations())
                .put("kernel_launches", timing.perIteration().launches())
                .put("minibatch_bytes", 4L * batch * (p.inputs + p.classes));
        // the machine, so that a figure names what produced it
        java.util.Map<String, Object> cpu = InfoCommand.thisCpu();
        j.put("cpu_model", cpu.get("model")).put("cores", cpu.get("cores"))
                .put("onednn_isa", org.eqprop.kernels.Onednn.enabled() ? org.eqprop.kernels.Onednn.isaName() : "off");
        if (compare && p.relaxation.engine() != org.eqprop.engines.EngineKind.REFERENCE) {
            org.eqprop.nn.conf.RelaxationSettings own = p.relaxation;
            p.relaxation = own.withEngine(org.eqprop.engines.EngineKind.REFERENCE);
            double[] ref = time(p, ds, new Warmup(0, 10), new Repeat(1, 0), Math.min(iterations, 20),
                    new Ticker(err)).seconds();
            p.relaxation = own;
            double refSpi = mean(ref);
            out.printf(Locale.ROOT, "reference engine (ND4J ops per step): %.2f ms/iteration; speed-up %.1fx%n",
                    1e3 * refSpi, refSpi / spi);
            j.put("reference_seconds_per_iteration", refSpi).put("speedup_vs_reference", refSpi / spi);
        }
        if (!against.isEmpty()) {
            Gradient configured = gradient(p, ds);
            INDArray g = configured.g();
            out.printf(Locale.ROOT, "configured gradient: %s%n", configured.steps());
            j.put("configured_steps", configured.steps());
            List<INDArray> refs = new java.util.ArrayList<>();
            StringBuilder cosines = new StringBuilder();
            for (Preset r : against) {
                Gradient rg = gradient(r, ds);
                INDArray ref = rg.g();
                refs.add(ref);
                double cosine = cosine(g, ref);
                double relative = g.sub(ref).norm2Number().doubleValue() / ref.norm2Number().doubleValue();
                out.printf(Locale.ROOT, "gradient agreement with %s (%s): cosine similarity %.5f, relative "
                        + "difference %.3e%n", label(r), rg.steps(), cosine, relative);
                cosines.append(cosines.length() == 0 ? "" : "; ").append(label(r)).append(": ")
                        .append(String.format(Locale.ROOT, "%.5f", cosine));
                if (refs.size() == 1) {
                    j.put("agreement_free_steps", r.relaxation.freeSteps()).put("agreement_nudged_steps", r.relaxation.nudgedSteps())
                            .put("gradient_cosine", cosine).put("gradient_relative_difference", relative);
                }
            }
            for (int a1 = 0; a1 < refs.size(); a1++) {
                for (int b1 = a1 + 1; b1 < refs.size(); b1++) {
                    double c = cosine(refs.get(a1), refs.get(b1));
                    out.printf(Locale.ROOT, "  %s vs %s: cosine similarity %.5f%n", label(against.get(a1)),
                            label(against.get(b1)), c);
                    cosines.append("; ").append(label(against.get(a1))).append(" vs ").append(label(against.get(b1)))
                            .append(": ").append(String.format(Locale.ROOT, "%.5f", c));
                }
            }
            j.put("gradient_cosines", cosines.toString());
        }
        if (p.algorithm.equals("eqprop") && p.estimation.holomorphic()) {
            StepCost c = complexStepCost(p, ds, Math.max(1, p.relaxation.nudgedSteps()), Math.max(3, Math.min(iterations, 20)));
            out.printf(Locale.ROOT, "complex phase (holomorphic nudge iβ, reference form): %.3f ms/step; real phase: "
                            + "%.3f ms/step on the reference engine (ratio %.2f), %.3f ms/step on %s (ratio %.2f)%n",
                    1e3 * c.complex(), 1e3 * c.reference(), c.complex() / c.reference(), 1e3 * c.engine(),
                    c.engineName(), c.complex() / c.engine());
            j.put("complex_step_seconds", c.complex()).put("reference_real_step_seconds", c.reference())
                    .put("engine_real_step_seconds", c.engine())
                    .put("complex_to_reference_step_ratio", c.complex() / c.reference())
                    .put("complex_to_engine_step_ratio", c.complex() / c.engine());
        }
        j.put("peak_rss_mb", PeakMemory.megabytes());
        j.put("heap_used_mb", (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1e6);
        return j;
    }

    /** Seconds per relaxation step: a complex phase, a real one on the reference engine and on the block's engine. */
    record StepCost(double complex, double reference, double engine, String engineName) {
    }

    /**
     * What a complex relaxation step costs next to a real one (holomorphic EqProp's phases at β = i|β| against the
     * real phase at β = |β|), on the block's chain, the batch's input and a squared-error force: the median over
     * {@code repeats} phases of {@code steps} steps each, after one warm-up phase of each kind.
     */
    static StepCost complexStepCost(Preset p, DataSet ds, int steps, int repeats) {
        EqPropNetwork net = network(p);
        org.eqprop.nn.layers.EqPropBlockLayer block = (org.eqprop.nn.layers.EqPropBlockLayer) net.getLayer(0);
        org.eqprop.dynamics.EnergyChain chain = block.chain();
        INDArray x = ds.getFeatures().castTo(DataType.FLOAT);
        INDArray drive = chain.inputDrive(x);
        INDArray[] start = chain.zeroStates(x.size(0), DataType.FLOAT);
        org.eqprop.costs.NudgingForce force = new org.eqprop.costs.SquaredErrorForce(
                ds.getLabels().castTo(DataType.FLOAT), 1.0);
        org.eqprop.dynamics.RelaxationControl control = new org.eqprop.dynamics.RelaxationControl(steps, 0);
        org.eqprop.dynamics.RelaxationEngine engine = block.engineFor(chain, force);
        double beta = p.estimation.beta();
        double[] complex = new double[repeats];
        double[] reference = new double[repeats];
        double[] fast = new double[repeats];
        for (int r = -1; r < repeats; r++) {
            long t0 = System.nanoTime();
            org.eqprop.dynamics.ComplexRelaxation.INSTANCE.relax(chain, drive, start, force, 0, beta, control);
            long t1 = System.nanoTime();
            org.eqprop.dynamics.ReferenceRelaxation.INSTANCE.relax(chain, drive, start, force, beta, control);
            long t2 = System.nanoTime();
            engine.relax(chain, drive, start, force, beta, control);
            long t3 = System.nanoTime();
            if (r >= 0) {
                complex[r] = (t1 - t0) / 1e9 / steps;
                reference[r] = (t2 - t1) / 1e9 / steps;
                fast[r] = (t3 - t2) / 1e9 / steps;
            }
        }
        return new StepCost(median(complex), median(reference), median(fast), engine.name());
    }

    /** The engine the preset asks for, by name. */
    static String engineName(Preset p) {
        return p.relaxation.engine().cliName();
    }

    /**
     * The reference gradients of {@code --agreement}: specs "T,K[,order[,tolerance[,omega]]]" separated by ';' (order
     * synchronous, no tolerance and the fixed-point iteration by default; omega selects the over-relaxation), each
     * the configured preset with those steps, float32 operands and direct convolutions (oneDNN's direct algorithm,
     * or im2col where configured).
     */
    static List<Preset> references(Preset p, String agreement) {
        List<Preset> refs = new java.util.ArrayList<>();
        for (String spec : agreement.split(";")) {
            String[] f = spec.split(",");
            try {
                Preset r = p.copy();
                if (f.length > 5) {
                    throw new IllegalArgumentException();
                }
                r.relaxation = r.relaxation.with(java.util.Map.of("freeSteps", f[0], "nudgedSteps", f[1],
                        "updateOrder", f.length > 2 ? f[2] : "synchronous", "tolerance", f.length > 3 ? f[3] : "0",
                        "dynamics", f.length > 4 ? "over-relaxation" : "fixed-point",
                        "overRelaxation", f.length > 4 ? f[4] : "1", "doubledBatch", false,
                        // the references are float32: a bf16 configuration is measured against them
                        "convolutionPrecision", "fp32"));
                if (p.conv != null) {
                    // and direct: a Winograd configuration (auto may time oneDNN's in) is measured against them too
                    r.conv = java.util.Arrays.stream(p.conv).map(c -> c.withAlgorithm(
                            c.algorithmKind() == ConvPoolInteraction.Algorithm.IM2COL ? "im2col" : "onednn"))
                            .toArray(org.eqprop.nn.conf.ConvSpec[]::new);
                }
                refs.add(r);
            } catch (RuntimeException e) {
                throw new Args.UsageException("--agreement takes T,K[,synchronous|alternating[,tolerance[,omega]]]"
                        + " specs separated by ';', got " + spec);
            }
        }
        return refs;
    }

    static String label(Preset r) {
        org.eqprop.nn.conf.RelaxationSettings x = r.relaxation;
        return x.updateOrder().cliName() + " " + x.freeSteps() + "/" + x.nudgedSteps()
                + (x.tolerance() > 0 ? " tol " + x.tolerance() : "")
                + (x.dynamics() == org.eqprop.dynamics.Dynamics.Kind.OVER_RELAXATION ? " omega " + x.overRelaxation()
                : "");
    }

    static double cosine(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue() / (a.norm2Number().doubleValue() * b.norm2Number().doubleValue());
    }

    /**
     * Seconds per timed iteration, the mean steps per free and per nudged phase over the whole run, the engine that
     * held the iterations on a device (or null) and its traffic per timed iteration, and the seconds per timed
     * iteration spent inside the EqProp block's forward and backward calls (NaN without a block); steps and block
     * time are means over the {@code rounds}.
     */
    record Timing(double[] seconds, double freeSteps, double nudgedSteps, String residentEngine,
                  org.eqprop.dynamics.ResidentIteration.Traffic perIteration, String convolutionLibrary,
                  String device, java.util.Map<String, Long> convolutions, double blockSeconds,
                  long jitWarmupIterations, int rounds) {
    }

    /**
     * The untimed work before the timed iterations: {@code seconds} of training a scratch copy of the network (the
     * JIT's warm-up: DL4J's and the block's per-iteration code runs as profiled, slower code for its first few
     * thousand calls; on a copy, so that the timed network starts from the preset's initial weights instead of having
     * fitted the benchmark's batch, which with a tolerance would change its step counts), then {@code iterations} on
     * the timed network (its workspaces and caches).
     */
    record Warmup(double seconds, int iterations) {

        /** Iterations on the timed network after a warm-up in seconds. */
        static final int SETTLE = 10;

        static final String DEFAULT = "30s";

        Warmup {
            if (!(seconds >= 0 && Double.isFinite(seconds)) || iterations < 0) {
                throw new Args.UsageException("--warmup takes N (iterations, >= 0) or Ss (seconds, >= 0)");
            }
        }

        /** "N" iterations, or "Ss" seconds then {@link #SETTLE} iterations. */
        static Warmup parse(String v) {
            CountOrSeconds c = CountOrSeconds.parse(v == null ? DEFAULT : v, "--warmup", "N (iterations)");
            return c.inSeconds() ? new Warmup(c.seconds(), c.seconds() > 0 ? SETTLE : 0) : new Warmup(0, c.count());
        }
    }

    /** An option value "N" (a count) or "Ss" (seconds), as --warmup and --repeat take them. */
    record CountOrSeconds(boolean inSeconds, int count, double seconds) {

        /** The value of {@code option}, or a usage error naming it and what its count counts ({@code what}). */
        static CountOrSeconds parse(String v, String option, String what) {
            String t = v.trim();
            try {
                return t.endsWith("s")
                        ? new CountOrSeconds(true, 0, Double.parseDouble(t.substring(0, t.length() - 1)))
                        : new CountOrSeconds(false, Integer.parseInt(t), 0);
            } catch (NumberFormatException e) {
                throw new Args.UsageException(option + " takes " + what + " or Ss (seconds, e.g. 5s), got " + v);
            }
        }
    }

    /**
     * Progress lines on stderr for long benchmarks: at most one every {@link #EVERY_NANOS} (5 s), so none for short
     * ones.
     */
    static final class Ticker {

        static final long EVERY_NANOS = 5_000_000_000L;

        private final PrintStream err;
        private final long everyNanos;
        private long last = System.nanoTime();

        Ticker(PrintStream err) {
            this(err, EVERY_NANOS);
        }

        /** Lines at most every {@code everyNanos} on {@code err} (null: none). */
        Ticker(PrintStream err, long everyNanos) {
            this.err = err;
            this.everyNanos = everyNanos;
        }

        /** Prints "bench: " and the line when the interval has passed since the last one (or the start). */
        void say(java.util.function.Supplier<String> line) {
            long now = System.nanoTime();
            if (err != null && now - last >= everyNanos) {
                err.println("bench: " + line.get());
                err.flush();
                last = now;
            }
        }
    }

    /**
     * How often the timed iterations run: {@code rounds} times, or (when {@code seconds} > 0) round after round until
     * that many seconds of timed iterations have passed, at least once. Every round starts from the same initial
     * weights.
     */
    record Repeat(int rounds, double seconds) {

        static final String DEFAULT = "5s";

        Repeat {
            if (!(seconds >= 0 && Double.isFinite(seconds)) || rounds < 1 && seconds == 0) {
                throw new Args.UsageException("--repeat takes R (rounds, >= 1) or Ss (seconds, > 0)");
            }
        }

        /** Whether another round runs after {@code done} rounds that timed {@code timedSeconds} in all. */
        boolean another(int done, double timedSeconds) {
            return seconds > 0 ? timedSeconds < seconds : done < rounds;
        }

        /** "R" rounds or "Ss" seconds of timed rounds. */
        static Repeat parse(String v) {
            CountOrSeconds c = CountOrSeconds.parse(v == null ? DEFAULT : v, "--repeat", "R (rounds)");
            return c.inSeconds() ? new Repeat(0, c.seconds()) : new Repeat(c.count(), 0);
        }
    }

    /**
     * What ran the CPU convolutions of the timed iterations ({@link ConvPoolInteraction#convolutionCounts()}): the
     * libraries ("onednn", "im2col", "winograd", joined by '+' when several ran) and the operand precisions of the
     * forward and transpose convolutions ("fp32", "bf16", "fp64"; "bf16+fp32" when bf16 ran some layers and float32
     * others; the weight gradients always run in float32 or float64), and their algorithms ("direct", "winograd" or
     * "direct+winograd": with Winograd the useful GFLOP/s count a direct convolution's work, and may pass the peak), or
     * null when none ran on the CPU.
     */
    static String[] convolutionBackends(java.util.Map<String, Long> runs) {
        if (runs.isEmpty()) {
            return null;
        }
        java.util.Set<String> libraries = new java.util.TreeSet<>();
        java.util.Set<String> precisions = new java.util.TreeSet<>();
        java.util.Set<String> algorithms = new java.util.TreeSet<>();
        for (String k : runs.keySet()) {
            libraries.add(k.startsWith("onednn") ? "onednn" : k.startsWith("im2col") ? "im2col" : k);
            if (!k.endsWith("-weights")) { // the weight gradients run in the states' type, float32 for bf16 too
                precisions.add(k.contains("bf16") ? "bf16" : k.contains("fp64") ? "fp64" : "fp32");
                algorithms.add(k.contains("winograd") ? "winograd" : "direct");
            }
        }
        return new String[]{String.join("+", libraries), String.join("+", precisions), String.join("+", algorithms)};
    }

    /**
     * Seconds per training iteration, measured as DL4J trains: {@code fit(DataSetIterator)} over the same batch, in
     * blocks of ten iterations (one {@code fit(DataSet)} call per iteration adds several milliseconds of DL4J set-up
     * that an epoch does not pay). The iterator hands out one list element, the batch, per iteration (its second
     * argument counts list elements, not examples). Each of the {@code repeat}'s rounds builds the network afresh from
     * the same initial weights (so every round does the same work, to the step), settles it and times its
     * {@code iterations}: the blocks of all rounds are the sample, spread over seconds instead of a fraction of one,
     * so that a burst of other work on a shared machine moves a few blocks, not the median.
     */
    static Timing time(Preset p, DataSet ds, Warmup warmup, Repeat repeat, int iterations, Ticker progress) {
        int block = Math.min(10, iterations);
        List<DataSet> batches = java.util.Collections.nCopies(block, ds);
        long jitIterations = 0;
        if (warmup.seconds() > 0) {
            EqPropNetwork scratch = network(p);
            long start = System.nanoTime();
            long end = start + (long) (warmup.seconds() * 1e9);
            // one iteration per fit call until an iteration is known to be short, so that a slow preset's warm-up
            // ends near its time instead of a block of ten iterations later
            int size = 1;
            do {
                long t0 = System.nanoTime();
                try {
                    scratch.fit(new ListDataSetIterator<>(batches.subList(0, size), 1));
                } catch (org.eqprop.dynamics.RelaxationException diverged) {
                    // thousands of iterations on one batch can drive a copy with a preset's large rates past its
                    // dynamics' range: the code is what warms up, so a fresh copy goes on
                    release(scratch);
                    scratch = network(p);
                }
                jitIterations += size;
                size = (System.nanoTime() - t0) / size < 100_000_000L ? block : 1;
                long done = jitIterations;
                progress.say(() -> String.format(Locale.ROOT, "warm-up: %.0f of %.0f s, %d iterations",
                        (System.nanoTime() - start) / 1e9, warmup.seconds(), done));
            } while (System.nanoTime() < end);
            release(scratch);
        }
        int perRound = Math.max(1, iterations / block);
        List<Double> t = new java.util.ArrayList<>();
        java.util.Map<String, Long> convolutions = new java.util.TreeMap<>();
        org.eqprop.dynamics.ResidentIteration.Traffic traffic = org.eqprop.dynamics.ResidentIteration.Traffic.NONE;
        double free = 0, nudged = 0, blockSeconds = 0, timed = 0;
        int rounds = 0;
        String residentEngine = null, convolutionLibrary = null, device = null;
        boolean hasBlock = false;
        do {
            EqPropNetwork net = network(p);
            if (warmup.iterations() > 0) {
                net.fit(new ListDataSetIterator<>(java.util.Collections.nCopies(warmup.iterations(), ds), 1));
            }
            int round = rounds + 1;
            org.eqprop.nn.layers.EqPropBlockLayer eqp = net.getLayer(0) instanceof org.eqprop.nn.layers.EqPropBlockLayer b
                    ? b : null;
            org.eqprop.dynamics.ResidentIteration.Traffic before = eqp == null
                    ? org.eqprop.dynamics.ResidentIteration.Traffic.NONE : eqp.deviceTraffic();
            long blockBefore = eqp == null ? 0 : eqp.relaxationStats().blockNanos();
            ConvPoolInteraction.resetConvolutionCounts();
            for (int i = 0; i < perRound; i++) {
                long t0 = System.nanoTime();
                net.fit(new ListDataSetIterator<>(batches, 1));
                double s = (System.nanoTime() - t0) / 1e9;
                t.add(s / block);
                timed += s;
                PeakMemory.sample();
                int timedHere = (i + 1) * block;
                progress.say(() -> String.format(Locale.ROOT, "round %d: %d of %d timed iterations, %.3f s per "
                        + "iteration", round, timedHere, perRound * block, s / block));
            }
            ConvPoolInteraction.convolutionCounts().forEach((k, v) -> convolutions.merge(k, v, Long::sum));
            rounds++;
            if (eqp != null) {
                hasBlock = true;
                traffic = traffic.plus(eqp.deviceTraffic().minus(before));
                free += eqp.relaxationStats().meanFreeSteps();
                nudged += eqp.relaxationStats().meanNudgedSteps();
                blockSeconds += (eqp.relaxationStats().blockNanos() - blockBefore) / 1e9;
                residentEngine = eqp.residentEngine();
                org.eqprop.dynamics.ResidentIteration r = eqp.residentIteration();
                convolutionLibrary = r == null ? null : r.convolutionLibrary();
                device = r == null ? null : r.describe();
            }
            release(net);
        } while (repeat.another(rounds, timed));
        double[] seconds = t.stream().mapToDouble(Double::doubleValue).toArray();
        if (hasBlock) {
            int n = seconds.length * block;
            org.eqprop.dynamics.ResidentIteration.Traffic per = new org.eqprop.dynamics.ResidentIteration.Traffic(
                    traffic.h2dBytes() / n, traffic.d2hBytes() / n, traffic.allocations() / n, traffic.launches() / n);
            return new Timing(seconds, free / rounds, nudged / rounds, residentEngine, per, convolutionLibrary, device,
                    convolutions, blockSeconds / n, jitIterations, rounds);
        }
        return new Timing(seconds, p.relaxation.freeSteps(), p.relaxation.nudgedSteps(), null,
                org.eqprop.dynamics.ResidentIteration.Traffic.NONE, null, null, convolutions, Double.NaN,
                jitIterations, rounds);
    }

    /**
     * Releases the device buffers of a network's block (its resident iteration, if it has one) now, so that rounds
     * and warm-up copies do not hold device memory until their networks are garbage-collected.
     */
    private static void release(EqPropNetwork net) {
        if (net.getLayer(0) instanceof org.eqprop.nn.layers.EqPropBlockLayer b) {
            b.closeResident();
        }
    }

    /** The preset's network, initialised from the weights every part of bench starts from (seed 3). */
    static EqPropNetwork network(Preset p) {
        EqPropNetwork net = new EqPropNetwork(p.configuration(3, DataType.FLOAT));
        net.init();
        return net;
    }

    /** An EqProp gradient and the steps its phases took ("free F, nudged N" means). */
    record Gradient(INDArray g, String steps) {
    }

    /** The block's EqProp gradient on one batch, from the same initial weights (seed 3) as {@link #time}. */
    static Gradient gradient(Preset p, DataSet ds) {
        EqPropNetwork net = network(p);
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        org.eqprop.dynamics.RelaxationStats st = ((org.eqprop.nn.layers.EqPropBlockLayer) net.getLayer(0))
                .relaxationStats();
        return new Gradient(net.getLayer(0).getGradientsViewArray().dup(), String.format(Locale.ROOT,
                "free %.0f steps, nudged %.1f steps per phase", st.meanFreeSteps(), st.meanNudgedSteps()));
    }

    /** The engine the preset's block runs its free phase on (after the CUDA / CPU choice). */
    static String engineUsed(Preset p) {
        EqPropNetwork net = network(p);
        return engineUsed((org.eqprop.nn.layers.EqPropBlockLayer) net.getLayer(0));
    }

    /** The engine holding the block's iterations on a device, else the one its free phase runs on. */
    static String engineUsed(org.eqprop.nn.layers.EqPropBlockLayer block) {
        String resident = block.residentEngine();
        return resident != null ? resident : block.engineFor(block.chain(), null).name();
    }

    /**
     * The benchmark's batch: uniform random inputs with random one-hot labels ({@code random}), or the first
     * {@code batch} test examples of the preset's data set, preprocessed as for evaluation ({@code real}).
     */
    static DataSet batch(Preset p, String data, java.nio.file.Path dataDir, int batch) throws java.io.IOException {
        switch (data) {
            case "random":
                return randomBatch(p, batch, 7);
            case "real":
                DataSet ds = Datasets.load(p.dataset, dataDir, 1, batch, false, 0).testIterator(batch).next();
                if (ds.numExamples() < batch) {
                    throw new IllegalArgumentException("--batch " + batch + " is larger than the "
                            + ds.numExamples() + " test examples of " + p.dataset);
                }
                return ds;
            default:
                throw new Args.UsageException("--data takes random or real, got " + data);
        }
    }

    static DataSet randomBatch(Preset p, int batch, long seed) {
        Random r = new Random(seed);
        float[] x = new float[batch * p.inputs];
        float[] y = new float[batch * p.classes];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        for (int i = 0; i < batch; i++) {
            y[i * p.classes + r.nextInt(p.classes)] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[]{batch, p.inputs}, 'c'),
                Nd4j.create(y, new long[]{batch, p.classes}, 'c'));
    }

    /**
     * Best GFLOP/s of a 1024³ float32 matrix product through ND4J's OpenBLAS, measured now and split over the cores
     * the way the engine splits its own large products (BLAS itself runs single-threaded in the CLI).
     */
    static double peakGflops() {
        int n = 1024;
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.zeros(DataType.FLOAT, n, n);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            long t0 = System.nanoTime();
            ParallelGemm.gemm(a, b, c, false, false, 1.0, 0.0);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
