package org.eqprop.examples.cli;

import org.bytedeco.javacpp.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The process's peak resident memory: the kernel's high-water mark VmHWM from /proc/self/status (Java heap, ND4J's
 * native buffers and everything else), or, where /proc is missing, the largest resident size seen by {@link #sample}.
 */
final class PeakMemory {

    private static long sampled;

    private PeakMemory() {
    }

    /** Records the current resident size (for systems without /proc). */
    static void sample() {
        sampled = Math.max(sampled, Pointer.physicalBytes());
    }

    static double megabytes() {
        Path status = Paths.get("/proc/self/status");
        if (Files.isReadable(status)) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024 / 1e6;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // fall back to the samples
            }
        }
        sample();
        return sampled / 1e6;
    }
}
