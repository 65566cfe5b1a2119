package org.eqprop.examples.cli;

import org.eqprop.training.GddCheck;
import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.data.DataLocator;
import org.eqprop.data.LabeledImages;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.examples.plot.LinePlot;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop gdd}: the step-by-step EqProp-vs-BPTT check (Ernoult et al. 2019, Theorem 1) on a preset's network
 * and a batch of MNIST test images, in double precision: relative RMSE and sign disagreement per layer, and PNGs of a
 * few neurons and synapses over the steps (EqProp dashed, BPTT solid, as in their Fig. 1b).
 */
final class GddCommand {

    private GddCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("gdd", "Step-by-step EqProp versus BPTT (Ernoult et al. 2019, Theorem 1).",
                "From a converged free phase on a batch of MNIST test images, in double precision: the nudged "
                        + "phase's increments Delta s(t) = (s_{t+1} - s_t)/beta and Delta theta(t) against BPTT's "
                        + "-dL/ds_{T-t} (times sigma'(u*): clipped units move in neither) and -dL/dtheta_{T-t}. "
                        + "Prints the relative RMSE and the sign agreement per layer (symmetric and one-sided), "
                        + "writes one PNG per layer and kind (EqProp dashed, BPTT solid) and refuses an unconverged "
                        + "free phase. Squared-error presets only.");
        spec.addOption(PresetOptions.preset().defaultValue("mnist-fc1").build());
        spec.addOption(Options.path("--params", "IN.npz", "start from these NumPy parameters (PyTorch layout); "
                + "default the preset's initial weights").build());
        spec.addOption(Options.number("--beta", "B", Options.Range.ANY, "the nudge").defaultValue("1e-3").build());
        spec.addOption(Options.integer("--steps", "K", 1, "nudged steps compared; default the preset's").build());
        spec.addOption(Options.integer("--examples", "N", 1, "MNIST test images in the batch").defaultValue("20")
                .build());
        spec.addOption(Options.number("--tolerance", "TOL", Options.Range.NON_NEGATIVE, "the free phase must "
                + "converge below this residual").defaultValue("1e-11").build());
        spec.addOption(Options.integer("--max-free-steps", "N", 1, "most free steps to converge")
                .defaultValue("20000").build());
        spec.addOption(Options.number("--continual-rate", "ETA", Options.Range.NON_NEGATIVE, "also compare C-EP's "
                + "updates at this learning rate (eta << beta); 0: no").defaultValue("0").build());
        spec.addOption(Options.longInteger("--seed", "S", "seed of the initial weights").defaultValue("1234")
                .build());
        spec.addOption(Options.dataDir().build());
        spec.addOption(Options.path("--out", "DIR", "where the PNGs go; default runs/gdd-PRESET").build());
        return spec;
    }


    static Json run(Args a, PrintStream out) throws IOException {
        Preset p = Preset.named(a.string("preset"));
        Path params = a.path("params");
        double beta = a.number("beta");
        Integer k = a.optionalInteger("steps", 1);
        int examples = a.integer("examples");
        long seed = a.longValue("seed");
        double tolerance = a.number("tolerance");
        int maxFree = a.integer("max-free-steps");
        double continualRate = a.number("continual-rate");
        Path dataDir = a.path("data-dir");
        Path outDir = a.path("out") == null ? Paths.get("runs", "gdd-" + p.name) : a.path("out");
        a.rejectUnused();
        if (!p.cost.equals("squared")) {
            throw new Args.UsageException("gdd supports the squared-error presets");
        }
        int steps = k == null ? p.relaxation.nudgedSteps() : k;
        p.relaxation = p.relaxation.withEngine(org.eqprop.engines.EngineKind.REFERENCE);
        EqPropNetwork net = new EqPropNetwork(p.configuration(seed, DataType.DOUBLE));
        net.init();
        if (params != null) {
            ExportCommand.load(net, params, "--params");
        }
        Path[] files = DataLocator.standard(dataDir).mnist();
        LabeledImages test = LabeledImages.fromIdx(files[2], files[3], 10, examples);
        DataSet ds = test.slice(null, 0, test.size(), DataType.DOUBLE);
        INDArray y = ds.getLabels();
        EnergyChain chain = ((EqPropBlockLayer) net.getLayer(0)).chain();
        GddCheck.Result r = GddCheck.run(chain, ds.getFeatures(), new SquaredErrorForce(y, 1.0), s -> s.sub(y),
                beta, steps, new RelaxationControl(maxFree, tolerance), continualRate);
        out.printf(Locale.ROOT, "free phase converged in %d steps (residual %.2e); beta=%s, K=%d, %d examples%n",
                r.free().steps(), r.free().residual(), beta, steps, test.size());

        List<Object> layers = new ArrayList<>();
        boolean pass = true;
        for (int layer = 0; layer < chain.depth(); layer++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", layer + 1);
            for (String kind : new String[]{"neurons", "weights"}) {
                boolean neurons = kind.equals("neurons");
                List<INDArray[]> bp = neurons ? r.bptt().neurons() : r.bptt().weights();
                List<INDArray[]> sym = neurons ? r.symmetric().neurons() : r.symmetric().weights();
                List<INDArray[]> one = neurons ? r.oneSided().neurons() : r.oneSided().weights();
                double rmse = GddCheck.Result.relativeRmse(sym, bp, layer);
                double sign = 1 - GddCheck.Result.signDisagreement(sym, bp, layer);
                m.put(kind + "_rmse_symmetric", rmse);
                m.put(kind + "_rmse_one_sided", GddCheck.Result.relativeRmse(one, bp, layer));
                m.put(kind + "_sign_agreement_symmetric", sign);
                m.put(kind + "_sign_agreement_one_sided", 1 - GddCheck.Result.signDisagreement(one, bp, layer));
                if (r.continual() != null) {
                    List<INDArray[]> cep = neurons ? r.continual().neurons() : r.continual().weights();
                    m.put(kind + "_rmse_continual", GddCheck.Result.relativeRmse(cep, bp, layer));
                    out.printf(Locale.ROOT, "layer %d %-7s: C-EP (eta=%s) relative RMSE %.2e%n", layer + 1, kind,
                            continualRate, (double) m.get(kind + "_rmse_continual"));
                }
                pass &= rmse < 0.05 && sign > 0.95;
                out.printf(Locale.ROOT, "layer %d %-7s: relative RMSE %.2e (one-sided %.2e), sign agreement %.2f%%%n",
                        layer + 1, kind, rmse, (double) m.get(kind + "_rmse_one_sided"), 100 * sign);
                Path png = outDir.resolve("gdd-layer" + (layer + 1) + "-" + kind + ".png");
                plot(sym, bp, layer, kind, png);
                m.put(kind + "_png", png.toString());
            }
            layers.add(m);
        }
        return new Json().put("command", "gdd").put("preset", p.name).put("beta", beta).put("steps", steps)
                .put("continual_rate", continualRate)
                .put("examples", test.size()).put("free_steps", r.free().steps())
                .put("free_residual", r.free().residual()).put("layers", layers).put("pass", pass);
    }

    /** Four entries with the largest BPTT signal: EqProp dashed, BPTT solid, over the steps. */
    private static void plot(List<INDArray[]> ep, List<INDArray[]> bp, int layer, String kind, Path png)
            throws IOException {
        int steps = bp.size();
        double[] total = bp.get(0)[layer].dup().data().asDouble().clone();
        for (int t = 1; t < steps; t++) {
            double[] v = bp.get(t)[layer].dup().data().asDouble();
            for (int i = 0; i < v.length; i++) {
                total[i] += Math.abs(v[i]);
            }
        }
        List<Integer> picks = new ArrayList<>();
        for (int pick = 0; pick < Math.min(4, total.length); pick++) {
            int best = -1;
            for (int i = 0; i < total.length; i++) {
                if (!picks.contains(i) && (best < 0 || Math.abs(total[i]) > Math.abs(total[best]))) {
                    best = i;
                }
            }
            picks.add(best);
        }
        LinePlot plot = new LinePlot("layer " + (layer + 1) + " " + kind + ": EqProp increments vs −BPTT gradients",
                "step t of the nudged phase");
        for (int c = 0; c < picks.size(); c++) {
            int i = picks.get(c);
            double[] e = new double[steps];
            double[] b = new double[steps];
            for (int t = 0; t < steps; t++) {
                e[t] = ep.get(t)[layer].dup().data().asDouble()[i];
                b[t] = bp.get(t)[layer].dup().data().asDouble()[i];
            }
            plot.add("EP " + i, e, true, c).add("BPTT " + i, b, false, c);
        }
        plot.write(png);
    }
}
