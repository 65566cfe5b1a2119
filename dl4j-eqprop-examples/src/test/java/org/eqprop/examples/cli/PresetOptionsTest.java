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
