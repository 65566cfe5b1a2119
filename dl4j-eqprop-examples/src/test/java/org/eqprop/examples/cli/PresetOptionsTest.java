package org.eqprop.examples.cli;

import org.junit.jupiter.api.Test;

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
     * mnist-fc1 keeps the paper's T = 30, K = 10 as step budgets and stops each phase at the tolerance 1e-4;
     * {@code --tolerance 0} runs every step, as the paper does.
     */
    @Test
    void mnistFc1StopsItsPhasesAtItsToleranceUnlessToldNotTo() {
        Preset p = Preset.named("mnist-fc1");
        assertEquals(30, p.relaxation.freeSteps());
        assertEquals(10, p.relaxation.nudgedSteps());
        assertEquals(1e-4, p.relaxation.tolerance());
        Preset every = Preset.named("mnist-fc1").override(CliParsingTest.parse("train", "--preset", "mnist-fc1",
                "--tolerance", "0"));
        assertEquals(0.0, every.relaxation.tolerance());
        assertEquals(30, every.relaxation.freeSteps());
        // BPTT unrolls exactly T steps: the preset's tolerance is dropped, a tolerance asked for is refused
        Preset bptt = Preset.named("mnist-fc1").override(CliParsingTest.parse("train", "--preset", "mnist-fc1",
                "--algorithm", "bptt"));
        org.eqprop.nn.conf.EqPropBlock block = (org.eqprop.nn.conf.EqPropBlock) bptt.configuration(1,
                org.nd4j.linalg.api.buffer.DataType.FLOAT).getConf(0).getLayer();
        assertEquals(0.0, block.relaxation().tolerance());
        assertEquals(org.eqprop.nn.conf.GradientMethod.BPTT, block.estimation().method());
        Preset asked = Preset.named("mnist-fc1").override(CliParsingTest.parse("train", "--preset", "mnist-fc1",
                "--algorithm", "bptt", "--tolerance", "1e-3"));
        assertThrows(IllegalArgumentException.class, () -> asked.configuration(1,
                org.nd4j.linalg.api.buffer.DataType.FLOAT));
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
