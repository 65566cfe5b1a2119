package org.eqprop.examples.cli;

import org.eqprop.dynamics.UpdateOrder;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.conf.GradientMethod;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link PresetOptions} declares exactly the options {@link Preset#override} reads, and the real preset names. */
class PresetOptionsTest {

    @Test
    void theDeclaredOverridesAreTheOnesPresetReads() {
        for (String command : List.of("train", "bench", "gradient")) {
            String[] argv = command.equals("gradient")
                    ? new String[]{command, "--preset", "mnist-fc1", "--params", "p.npz", "--batch", "b.npz", "--out",
                    "g.npz"} : new String[]{command, "--preset", "mnist-fc1"};
            Args a = CliParsingTest.parse(argv);
            Preset.named("mnist-fc1").override(a);
            assertEquals(new TreeSet<>(PresetOptions.names()), new TreeSet<>(a.read()),
                    command + ": the options Preset.override reads and the ones PresetOptions declares");
        }
    }

    /**
     * mnist-fc1 keeps the paper's T = 30, K = 10 as step budgets, updates its layers in turn and stops each phase at
     * the tolerance 1e-4; {@code --update-order synchronous --tolerance 0} runs the paper's steps.
     */
    @Test
    void mnistFc1StopsItsPhasesAtItsToleranceUnlessToldNotTo() {
        Preset p = Preset.named("mnist-fc1");
        assertEquals(30, p.relaxation.freeSteps());
        assertEquals(10, p.relaxation.nudgedSteps());
        assertEquals(1e-4, p.relaxation.tolerance());
        assertEquals(UpdateOrder.ALTERNATING, p.relaxation.updateOrder());
        assertEquals("T=30 K=10 alternating tolerance 1.0E-4", p.stepsDescription());
        Preset paper = Preset.named("mnist-fc1").override(CliParsingTest.parse("train", "--preset", "mnist-fc1",
                "--tolerance", "0", "--update-order", "synchronous"));
        assertEquals(0.0, paper.relaxation.tolerance());
        assertEquals(UpdateOrder.SYNCHRONOUS, paper.relaxation.updateOrder());
        assertEquals(30, paper.relaxation.freeSteps());
    }

    /**
     * BPTT unrolls exactly T synchronous steps and RBP differentiates the synchronous dynamics: the preset's
     * tolerance (BPTT) and alternating order (both) are dropped for them, and the same asked for on the command line
     * are refused.
     */
    @Test
    void theBackpropBaselinesRunThePresetSynchronously() {
        for (String algorithm : new String[]{"bptt", "rbp"}) {
            Preset p = Preset.named("mnist-fc1").override(CliParsingTest.parse("train", "--preset", "mnist-fc1",
                    "--algorithm", algorithm));
            EqPropBlock block = (EqPropBlock) p.configuration(1, DataType.FLOAT).getConf(0).getLayer();
            assertEquals(UpdateOrder.SYNCHRONOUS, block.relaxation().updateOrder(), algorithm);
            assertEquals(block.relaxation(), p.effectiveRelaxation(), "what train prints is what the block runs");
            assertEquals(algorithm.equals("bptt") ? "T=30 K=10" : "T=30 K=10 tolerance 1.0E-4", p.stepsDescription());
            assertEquals(algorithm.equals("bptt") ? 0.0 : 1e-4, block.relaxation().tolerance(), algorithm);
            assertEquals(algorithm.equals("bptt") ? GradientMethod.BPTT : GradientMethod.RBP,
                    block.estimation().method());
            Preset alternating = Preset.named("mnist-fc1").override(CliParsingTest.parse("train", "--preset",
                    "mnist-fc1", "--algorithm", algorithm, "--update-order", "alternating"));
            assertThrows(IllegalArgumentException.class, () -> alternating.configuration(1, DataType.FLOAT));
        }
        Preset tolerance = Preset.named("mnist-fc1").override(CliParsingTest.parse("train", "--preset", "mnist-fc1",
                "--algorithm", "bptt", "--tolerance", "1e-3"));
        assertThrows(IllegalArgumentException.class, () -> tolerance.configuration(1, DataType.FLOAT));
    }

    @Test
    void thePresetNamesAreThePresets() {
        for (String name : PresetOptions.PRESETS) {
            assertEquals(name, Preset.named(name).name);
        }
        Args.UsageException unknown = assertThrows(Args.UsageException.class, () -> Preset.named("nope"));
        String available = unknown.getMessage().replaceFirst(".*available: ", "");
        assertEquals(new TreeSet<>(Set.of(available.split(", "))), new TreeSet<>(PresetOptions.PRESETS));
    }
}
