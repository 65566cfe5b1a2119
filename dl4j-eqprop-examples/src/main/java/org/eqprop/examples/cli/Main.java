package org.eqprop.examples.cli;

import org.eqprop.dynamics.fused.FusedDenseRelaxation;

import java.io.PrintStream;
import java.util.Set;

/**
 * The {@code eqprop} command line: train, evaluate, gradient and bench. Every command ends its stdout with one JSON
 * summary line (also on errors, with {@code "status": "error"}); exit code 0 on success, 2 on a usage error, 1 on
 * any other failure.
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "usage: eqprop COMMAND [options]",
            "  train    --preset mnist-fc1|mnist-fc2 [--epochs N] [--train-limit N] [--test-limit N] [--seed S]",
            "           [--data-dir D] [--out DIR] [--batch-size B] [--beta B] [--estimator symmetric|one-sided|"
                    + "random-sign|holomorphic|langevin]",
            "           [--holomorphic-points N (holomorphic: nudges beta e^(2 pi i k/N) on a circle, default 4)]",
            "           [--free-steps T] [--nudged-steps K] [--activation hard-sigmoid|half-hard-sigmoid|sigmoid|"
                    + "logistic|tanh]",
            "           [--cost squared|cross-entropy] [--tolerance TOL] [--engine auto|cpu|cuda|fused|reference] "
                    + "[--precision fp32|tf32|bf16 (CUDA products)] [--lr-scale F]",
            "           [--leak L] [--dynamics fixed-point|euler|over-relaxation|langevin] [--euler-step E]",
            "           [--over-relaxation W] [--temperature T (langevin state noise)] [--estimator langevin --samples S]",
            "           [--nudging-force recomputed|held]",
            "           [--persistent-states] [--momentum M] [--weight-decay WD] [--schedule constant|cosine]",
            "           [--algorithm eqprop|bptt|rbp|c-ep|c-vf] [--bptt-steps K (default: the nudged steps; 0 = all T)]",
            "           [--feedback-angle DEG (c-vf: initial angle between forward and feedback weights, default 90)]",
            "           [--update-order synchronous|alternating] [--doubled-batch (the +beta/-beta phases as one batch)]",
            "           mnist-resistive: [--input-gain G] [--amplifier-gain A] [--bias-voltage V] [--diode-low L]",
            "           [--diode-high H] [--init-scale S] [--max-sweeps N] [--sign-only] [--optimizer sgd|adam]",
            "           [--learning-rates LR[,LR2] (one, or one per crossbar)] [--tolerance VOLTS]",
            "           [--temperature T [--burn-in 20] [--samples S] (node noise: N(0, T/A) volts per update)]",
            "  train ... [--checkpoint-every N (iterations; a checkpoint also ends every epoch)] [--resume | --overwrite]",
            "           [--divergence-factor 4] [--divergence-window 100] [--no-divergence-check]",
            "           --out DIR (default runs/PRESET) gets model.zip, model-best.zip, history.tsv, checkpoint.zip;",
            "           a folder holding a run is refused unless --resume (continue it exactly) or --overwrite",
            "  train ... --spark MASTER [--spark-mode sync|averaging] [--partitions N] [--averaging-frequency F]",
            "           [--resume]   on Spark (local[2], spark://host:7077, yarn): synchronous gradient averaging",
            "           (the single-machine steps) or DL4J parameter averaging; checkpoint after every epoch",
            "  evaluate --model FILE [--data-dir D] [--test-limit N]",
            "  gradient --preset P --params IN.npz --batch BATCH.npz --out OUT.npz [--beta B] [--estimator E]",
            "           [--free-steps T] [--nudged-steps K] [--activation NAME] [--cost squared|cross-entropy]",
            "  bench    --preset P [--batch B] [--iterations N] [--warmup N] [--no-reference] [--engine auto|cpu|cuda|...]",
            "           [--precision fp32|tf32|bf16 (operands of the CUDA kernels' products)]",
            "           [--convolution auto|im2col|winograd (conv presets; winograd: 3x3 stride 1, float32)]",
            "           [--update-order alternating] [--doubled-batch] [--tolerance TOL] [--over-relaxation W]",
            "           [--agreement \"T,K[,order[,tol[,omega]]];...\" (gradient cosines vs these references)]",
            "           [--data random|real (the preset's first test images; --data-dir D)]",
            "  export   --model FILE --out PARAMS.npz   (W1, b1, ... in PyTorch layout: Wk [out, in])",
            "  params-diff --a A --b B [--tolerance T]   relative difference of two parameter sets (model.zip or .npz)",
            "  gdd      [--preset mnist-fc1] [--params IN.npz] [--beta 1e-3] [--steps K] [--examples 20]",
            "           [--tolerance 1e-11] [--max-free-steps N] [--seed S] [--data-dir D] [--out DIR]",
            "           [--continual-rate ETA (also compare C-EP's updates, eta << beta)]",
            "  compare  --preset P [--epochs N] [--steps 30,100,250] [--algorithms eqprop,bptt] [--bptt-steps K (0: all T)]",
            "           [--train-limit N] [--test-limit N] [--batch-size B] [--seed S] [--data-dir D] [--out DIR]",
            "           trains each algorithm for each T from the same initial weights; writes DIR/report.md + PNGs",
            "  deep     --task and|or|xor [--hidden 5] [--runs 10] [--epochs 2000] [--rule deep|asymmetric-ep]",
            "           [--sparsity [--l1 3e-4] [--prune-threshold 0.02] [--temperature 0.5]] [--seed S] [--out DIR]",
            "  spiking-convergence [--networks 20] [--steps 200] [--perturb-at 100] [--sizes 500,500,10] [--batch 20]",
            "           [--beta 1] [--seed S] [--out DIR]   spiking vs continuous fixed points (O'Connor et al. 2019)",
            "  oscillation [--sizes 20,30,10] [--classes 5] [--batch 8] [--beta 0.5] [--values-per-turn 32]",
            "           [--steps-per-value 4] [--turns 3] [--activation logistic|sigmoid|tanh] [--seed S] [--out DIR]",
            "           online holomorphic EqProp (a nudge turning around |beta|): the states and the running gradient",
            "  langevin [--sizes 6,8,3] [--temperatures 0,1e-4,1e-3,1e-2] [--betas 0.05,0.1,0.2,0.5] [--samples 20]",
            "           [--repetitions 8] [--burn-in 60] [--free-steps 100] [--euler-step 0.5] [--seed S] [--out DIR]",
            "           Langevin EqProp's bias and spread against the noise-free gradient",
            "  train --preset mnist-spiking|mnist-spiking-3h [--continuous] [--spiking-encoder sigma-delta|stochastic]",
            "           [--annealer osa|scheduled|constant] [--osa-target NU] [--step-size E0] [--step-decay ETA]",
            "           [--lambda L0 (0: no predictive coding)] [--lambda-decay ETA] [--real-input]",
            "  train ... --init-params PARAMS.npz        starts from NumPy parameters (same layout)",
            "Data: --data-dir, then $EQPROP_DATA_DIR, then ~/.deeplearning4j/data/MNIST, then a download.");

    /** The options that take no value. */
    static final Set<String> FLAGS = Set.of("no-reference", "persistent-states", "doubled-batch", "sparsity",
            "resume", "overwrite", "no-divergence-check", "sign-only", "continuous", "real-input");

    private Main() {
    }

    public static void main(String[] argv) {
        int code = run(argv, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        String command = argv.length == 0 ? "" : argv[0];
        try {
            if (argv.length == 0) {
                throw new Args.UsageException("no command given");
            }
            Args args = new Args(argv, 1, FLAGS);
            FusedDenseRelaxation.useSingleThreadedBlas();
            Json summary;
            switch (command) {
                case "train":
                    summary = TrainCommand.run(args, out, err);
                    break;
                case "evaluate":
                    summary = EvaluateCommand.run(args, out);
                    break;
                case "gradient":
                    summary = GradientCommand.run(args, out);
                    break;
                case "bench":
                    summary = BenchCommand.run(args, out);
                    break;
                case "gdd":
                    summary = GddCommand.run(args, out);
                    break;
                case "export":
                    summary = ExportCommand.run(args, out);
                    break;
                case "compare":
                    summary = CompareCommand.run(args, out, err);
                    break;
                case "deep":
                    summary = DeepCommand.run(args, out);
                    break;
                case "spiking-convergence":
                    summary = SpikingConvergenceCommand.run(args, out);
                    break;
                case "oscillation":
                    summary = OscillationCommand.run(args, out);
                    break;
                case "langevin":
                    summary = LangevinCommand.run(args, out);
                    break;
                case "params-diff":
                    summary = ParamsDiffCommand.run(args, out);
                    break;
                case "help":
                case "--help":
                case "-h":
                    out.println(USAGE);
                    out.println(new Json().put("command", "help").put("status", "ok"));
                    return 0;
                default:
                    throw new Args.UsageException("unknown command '" + command + "'");
            }
            out.println(summary.put("status", "ok"));
            return 0;
        } catch (Args.UsageException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE);
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
