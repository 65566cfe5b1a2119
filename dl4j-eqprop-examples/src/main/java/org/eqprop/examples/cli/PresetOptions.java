package org.eqprop.examples.cli;

import org.eqprop.cuda.Precision;
import org.eqprop.interactions.ConvPoolInteraction;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.eqprop.examples.cli.Options.Range;

/**
 * The options that override one setting of a {@link Preset} ({@link Preset#override} reads them), declared once for
 * every command that takes a preset: {@code train}, {@code bench} and {@code gradient} take them all, {@code compare}
 * passes a few on to its training runs. A new hyperparameter is declared here, in one of the groups its help lists
 * it under; {@code PresetOptionsTest} fails when {@code Preset.override} reads an option that is not declared here,
 * or when one declared here is not read.
 */
final class PresetOptions {

    /** The named experiments ({@link Preset#named}). */
    static final List<String> PRESETS = List.of("mnist-fc1", "mnist-fc2", "mnist-conv", "cifar10-laborieux",
            "cifar10-small", "cifar10-fast", "mnist-resistive", "mnist-spiking", "mnist-spiking-3h");

    private PresetOptions() {
    }

    /** {@code --preset NAME}. */
    static OptionSpec.Builder preset() {
        return Options.choice("--preset", PRESETS, "the named experiment: its network and its paper's "
                + "hyperparameters (docs/presets.md)").paramLabel("PRESET");
    }

    /** Every override, in the help's groups (new instances: a spec owns its options). */
    static List<ArgGroupSpec> groups() {
        List<ArgGroupSpec> groups = new ArrayList<>();
        for (Map.Entry<String, List<OptionSpec.Builder>> e : declarations().entrySet()) {
            ArgGroupSpec.Builder g = Cli.group(e.getKey());
            e.getValue().forEach(o -> g.addArg(o.build()));
            groups.add(g.build());
        }
        return groups;
    }

    /** The named overrides alone, without their group (new instances), in declaration order. */
    static List<OptionSpec> only(String... names) {
        Set<String> wanted = Set.of(names);
        List<OptionSpec> out = new ArrayList<>();
        for (List<OptionSpec.Builder> group : declarations().values()) {
            for (OptionSpec.Builder o : group) {
                if (wanted.contains(o.names()[0])) {
                    out.add(o.build());
                }
            }
        }
        if (out.size() != wanted.size()) {
            throw new IllegalArgumentException("not preset options: " + Arrays.toString(names));
        }
        return out;
    }

    /** All the names, as {@link Args} knows them (without dashes). */
    static List<String> names() {
        List<String> out = new ArrayList<>();
        declarations().values().forEach(group -> group.forEach(o -> out.add(o.names()[0].substring(2))));
        return out;
    }

    private static Map<String, List<OptionSpec.Builder>> declarations() {
        Map<String, List<OptionSpec.Builder>> d = new LinkedHashMap<>();
        d.put("Preset overrides (each replaces one setting of the preset):", List.of(
                Options.integer("--epochs", "N", 1, "training epochs"),
                Options.integer("--batch-size", "B", 1, "examples per minibatch"),
                Options.choice("--cost", List.of("squared", "cross-entropy"), "squared error on the output "
                        + "states, or a softmax readout with cross-entropy")));
        d.put("Relaxation (org.eqprop.nn.conf.RelaxationSettings; docs/dense-and-conv-blocks.md):",
                settings(org.eqprop.nn.conf.RelaxationSettings.DEFAULTS));
        d.put("Gradient estimation (org.eqprop.nn.conf.EstimationSettings):",
                settings(org.eqprop.nn.conf.EstimationSettings.DEFAULTS));
        d.put("Engine:", List.of(
                Options.choice("--precision", lowerCase(Precision.values()), "operands of the CUDA kernels' "
                        + "matrix products; default fp32"),
                Options.choice("--convolution", lowerCase(ConvPoolInteraction.Algorithm.values()),
                        "convolution algorithm of the convolutional presets: auto (oneDNN for float32 where "
                                + "it loads, its Winograd algorithm for 3x3 stride-1 layers of at least 64 channels "
                                + "in and out and 8x8 outputs, else its direct one; im2col where oneDNN does not "
                                + "load), im2col, winograd (this project's F(2x2,3x3): 3x3 kernels, stride 1, "
                                + "float32) or onednn (oneDNN's direct algorithm only)")));
        d.put("Optimisation:", List.of(
                Options.text("--learning-rates", "LR[,LR...]", "learning rates, one per layer (mnist-resistive: "
                        + "one, or one per crossbar), each > 0"),
                Options.number("--lr-scale", "F", Range.POSITIVE, "multiply every learning rate by F"),
                Options.number("--momentum", "M", Range.closedOpen(0, 1), "Nesterov momentum (0: plain SGD)"),
                Options.number("--weight-decay", "WD", Range.NON_NEGATIVE, "L2 weight decay"),
                Options.choice("--schedule", List.of("constant", "cosine"), "learning-rate schedule: constant, "
                        + "or cosine annealing to 1/1000 of the rate over the epochs"),
                Options.choice("--optimizer", List.of("sgd", "adam"), "the updater")));
        d.put("Training algorithm:", List.of(
                Options.choice("--algorithm", List.of("eqprop", "bptt", "rbp", "c-ep", "c-vf"), "eqprop, the "
                        + "baselines bptt (backpropagation through time) and rbp (recurrent backpropagation), or "
                        + "continual EqProp c-ep and c-vf (weights updated during the nudged phase); "
                        + "docs/eqprop-vs-bptt.md"),
                Options.number("--feedback-angle", "DEG", Range.ANY, "c-vf: initial angle between the forward "
                        + "and the feedback weights (degrees); default 90")));
        d.put("Resistive network (mnist-resistive, docs/resistive-networks.md):", List.of(
                Options.number("--input-gain", "G", Range.ANY, "c_0: the input sources are +-c_0 x"),
                Options.number("--amplifier-gain", "A", Range.ANY, "c_m: voltage and current gain of the "
                        + "bidirectional amplifiers"),
                Options.number("--bias-voltage", "V", Range.ANY, "V_b of the bias source pair +-V_b feeding every "
                        + "crossbar"),
                Options.number("--diode-low", "L", Range.ANY, "the diodes clamp hidden voltages to [L, H]"),
                Options.number("--diode-high", "H", Range.ANY, "see --diode-low"),
                Options.number("--init-scale", "S", Range.ANY, "initial conductances uniform in [0, S/sqrt(rows))"),
                Options.integer("--max-sweeps", "N", 1, "cap on the coordinate descent sweeps per example and phase"),
                Options.flag("--sign-only", "use only the sign of each conductance's update"),
                Options.integer("--burn-in", "N", 1, "with --temperature: noisy sweeps before samples are "
                        + "taken")));
        d.put("Spiking networks (mnist-spiking, mnist-spiking-3h, docs/spiking.md):", List.of(
                Options.flag("--continuous", "train the same network with real-valued Euler dynamics (step 0.5): "
                        + "the paper's baseline"),
                Options.choice("--spiking-encoder", List.of("sigma-delta", "stochastic"), "the quantiser that turns "
                        + "states into spikes"),
                Options.choice("--annealer", List.of("osa", "scheduled", "constant"), "step sizes: optimal "
                        + "step-size annealing (--osa-target), E0/t^ETA (--step-size, --step-decay), or constant"),
                Options.number("--osa-target", "NU", Range.ANY, "osa: the target rate nu-bar"),
                Options.number("--step-size", "E0", Range.ANY, "E0: the initial (or constant) step size"),
                Options.number("--step-decay", "ETA", Range.ANY, "ETA: step sizes E0/t^ETA"),
                Options.number("--lambda", "L0", Range.ANY, "L0: predictive coding, lambda = L0/t^ETA (0: none)"),
                Options.number("--lambda-decay", "ETA", Range.ANY, "ETA of lambda's decay"),
                Options.flag("--real-input", "the clamped input neurons send their exact values "
                        + "instead of spikes")));
        return d;
    }

    /**
     * What the command line adds to a setting's own help (its conveniences and the resistive preset's reading of the
     * same option); a setting without a note needs nothing here.
     */
    private static final Map<String, String> NOTES = Map.of(
            "--over-relaxation", "implies --dynamics over-relaxation unless given",
            "--temperature", "implies --dynamics langevin unless given; mnist-resistive: node noise, N(0, T/A) volts "
                    + "per update",
            "--tolerance", "mnist-resistive: the KCL residual in volts",
            "--samples", "also mnist-resistive with --temperature",
            "--beta", "mnist-resistive: the nudging current's scale",
            "--bptt-steps", "default with --algorithm bptt: the nudged steps",
            "--engine", "auto: cuda when a usable GPU is present, else cpu; cpu: fused when the block allows it, "
                    + "else reference; docs/cuda.md");

    /** The options of a settings record's documented components, in declaration order. */
    private static List<OptionSpec.Builder> settings(Record defaults) {
        List<OptionSpec.Builder> out = new ArrayList<>();
        for (org.eqprop.util.Records.Component c : org.eqprop.util.Records.components(defaults.getClass())) {
            if (c.doc() != null && c.doc().cli()) {
                out.add(Options.setting(defaults, c, NOTES.get("--" + c.kebabName())));
            }
        }
        return out;
    }

    private static List<String> lowerCase(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toList();
    }
}
