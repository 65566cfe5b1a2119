package org.eqprop.examples.cli;

import org.eqprop.data.DataLocator;
import org.eqprop.dynamics.AcceleratedEngine;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.fused.FusedDenseRelaxation;
import org.eqprop.engines.EngineChoice;
import org.eqprop.kernels.FusedKernels;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * {@code eqprop info}: the versions (this project, DL4J and ND4J, Java, the OS), the CPU's vector features and whether
 * the JVM runs the Vector API kernels, the engine an {@code --engine} choice would run and why
 * ({@link EngineChoice}, asking the accelerator providers), and where each data set would be read from
 * ({@link DataLocator}, without downloading anything). The JSON line holds the same facts.
 */
final class InfoCommand {

    /** The /proc/cpuinfo flags that matter to the kernels (SIMD widths, fused multiply-add, bfloat16). */
    static final List<String> CPU_FEATURES = List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw",
            "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16");

    private InfoCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("info", "Versions, the engine that would run and why, where data would be "
                        + "read from.",
                "Reads nothing but the environment: no data is downloaded and no network is built. The JSON line "
                        + "holds the same facts: versions, cpu (model, cores, vector features from /proc/cpuinfo), "
                        + "vector_api (whether the jdk.incubator.vector module is loaded: the fused engine's SIMD "
                        + "kernels), engine (what --engine would run, and why), accelerators (each provider's "
                        + "status), convolutions (oneDNN or im2col, oneDNN's CPU ISA, whether bf16 operands would "
                        + "run) and data (for MNIST and CIFAR-10: the folder found and which rule found it, or "
                        + "what would happen).");
        spec.addOption(Options.dataDir().build());
        spec.addOption(Options.choice("--engine", EngineChoice.NAMES, "the engine choice to explain")
                .defaultValue("auto").build());
        return spec;
    }

    static Json run(Args a, PrintStream out) {
        Path dataDir = a.path("data-dir");
        String choice;
        try {
            choice = EngineChoice.checked(a.string("engine"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--" + e.getMessage());
        }
        a.rejectUnused();

        Map<String, Object> versions = new LinkedHashMap<>();
        versions.put("eqprop", projectVersion());
        versions.put("deeplearning4j", mavenVersion("org.deeplearning4j", "deeplearning4j-nn"));
        versions.put("nd4j", mavenVersion("org.nd4j", "nd4j-api"));
        versions.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.vendor") + ")");
        versions.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        out.println("versions");
        versions.forEach((k, v) -> out.printf(Locale.ROOT, "  %-15s %s%n", k, v));

        Map<String, Object> cpu = cpu(cpuinfo());
        boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        Map<String, Object> vector = new LinkedHashMap<>();
        vector.put("module_loaded", vectorModule);
        vector.put("kernels", FusedKernels.kernelName());
        vector.put("float_lanes", FusedKernels.lanes());
        out.println("cpu");
        out.printf(Locale.ROOT, "  %-15s %s%n", "model", cpu.get("model"));
        out.printf(Locale.ROOT, "  %-15s %s%n", "cores", cpu.get("cores"));
        out.printf(Locale.ROOT, "  %-15s %s%n", "features", cpu.get("features") == null ? "(no /proc/cpuinfo)"
                : String.join(" ", castList(cpu.get("features"))));
        out.printf(Locale.ROOT, "  %-15s %s%n", "vector api", vectorModule ? "jdk.incubator.vector loaded: "
                + FusedKernels.kernelName() + " kernels, " + FusedKernels.lanes() + " float lanes"
                : "jdk.incubator.vector not loaded (java --add-modules jdk.incubator.vector): "
                + FusedKernels.kernelName() + " kernels");

        Map<String, Object> nd4j = new LinkedHashMap<>();
        nd4j.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        nd4j.put("blas", String.valueOf(Nd4j.factory().blas().getBlasVendor()));
        out.printf(Locale.ROOT, "  %-15s %s, BLAS %s%n", "nd4j", nd4j.get("backend"), nd4j.get("blas"));

        List<String> accelerators = EngineChoice.acceleratorStatus();
        Map<String, Object> engine = engine(choice, EngineChoice.accelerated(), accelerators,
                FusedKernels.kernelName());
        out.println("engine (--engine " + choice + ")");
        out.printf(Locale.ROOT, "  %-15s %s%n", "runs", engine.get("runs"));
        out.printf(Locale.ROOT, "  %-15s %s%n", "why", engine.get("why"));
        for (String s : accelerators) {
            out.printf(Locale.ROOT, "  %-15s %s%n", "accelerator", s);
        }

        Map<String, Object> conv = convolutions();
        out.println("convolutions (--convolution auto)");
        out.printf(Locale.ROOT, "  %-15s %s%n", "library", conv.get("library").equals("onednn")
                ? "oneDNN " + conv.get("onednn_version") + ", CPU ISA " + conv.get("isa") : "im2col products ("
                + conv.get("why") + ")");
        out.printf(Locale.ROOT, "  %-15s %s%n", "bf16 operands", Boolean.TRUE.equals(conv.get("bf16"))
                ? "run with --convolution-precision bf16 (" + (Boolean.TRUE.equals(conv.get("amx")) ? "AMX"
                : "AVX512_BF16 on " + conv.get("cpu_vendor")) + ")"
                : "not here: --convolution-precision bf16 runs float32 (bf16 pays on AMX, or AVX512_BF16 on AMD)");

        Map<String, Object> data = new LinkedHashMap<>();
        String env = System.getenv(DataLocator.ENV);
        Path home = Paths.get(System.getProperty("user.home"));
        data.put("mnist", where(new DataLocator(dataDir, env, home, false), "mnist", dataDir, env));
        data.put("cifar10", where(new DataLocator(dataDir, env, home, false), "cifar10", dataDir, env));
        out.println("data (--data-dir, then $" + DataLocator.ENV + ", then ~/.deeplearning4j, then a download)");
        for (Map.Entry<String, Object> e : data.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> d = (Map<String, Object>) e.getValue();
            out.printf(Locale.ROOT, "  %-15s %s%n", e.getKey(), Boolean.TRUE.equals(d.get("found"))
                    ? d.get("location") + " (" + d.get("source") + ")" : d.get("detail"));
        }

        return new Json().put("command", "info").put("versions", versions).put("cpu", cpu).put("vector_api", vector)
                .put("nd4j", nd4j).put("engine", engine).put("accelerators", accelerators)
                .put("convolutions", conv).put("data", data);
    }

    /**
     * What runs float32 convolutions here (oneDNN, or im2col products where it did not load or is turned off), and
     * whether bf16 operands would ({@link org.eqprop.kernels.Onednn#bf16()}).
     */
    static Map<String, Object> convolutions() {
        Map<String, Object> c = new LinkedHashMap<>();
        boolean onednn = org.eqprop.interactions.ConvPoolInteraction.onednnAvailable();
        c.put("library", onednn ? "onednn" : "im2col");
        if (onednn) {
            c.put("onednn_version", org.eqprop.kernels.Onednn.version());
            c.put("isa", org.eqprop.kernels.Onednn.isaName());
        } else {
            c.put("why", org.eqprop.kernels.Onednn.enabled() ? "oneDNN did not load: "
                    + org.eqprop.kernels.Onednn.loadProblem() : "oneDNN turned off (-Deqprop.onednn=false)");
        }
        c.put("cpu_vendor", org.eqprop.kernels.Onednn.CPU_VENDOR);
        c.put("amx", onednn && org.eqprop.kernels.Onednn.amx());
        c.put("bf16", org.eqprop.interactions.ConvPoolInteraction.bf16Available());
        return c;
    }

    /**
     * What an engine choice runs and why, as {@link EngineChoice#select} decides for a block: {@code accelerated} is
     * the first usable accelerated engine (null if none), {@code statuses} the providers' status lines.
     */
    static Map<String, Object> engine(String choice, AcceleratedEngine accelerated, List<String> statuses,
                                      String kernels) {
        String fused = FusedDenseRelaxation.INSTANCE.name();
        String reference = ReferenceRelaxation.INSTANCE.name();
        String cpu = fused + " (" + kernels + " kernels) for float32 dense blocks with a fused cost, else "
                + reference;
        String runs;
        String why;
        switch (choice) {
            case "reference" -> {
                runs = reference;
                why = "asked for: ND4J ops, every block and data type";
            }
            case "fused" -> {
                runs = fused;
                why = "asked for: float32 dense blocks only, any other block is refused";
            }
            case "cpu" -> {
                runs = cpu;
                why = "asked for the CPU";
            }
            default -> {
                String none = statuses.isEmpty() ? "module dl4j-eqprop-cuda is not on the class path"
                        : String.join("; ", statuses);
                if (accelerated != null) {
                    runs = accelerated.name() + " for the blocks it runs, else " + cpu;
                    why = String.join("; ", statuses);
                } else {
                    runs = cpu;
                    why = (choice.equals("cuda") ? "cuda asked for but unavailable (a warning at run time): "
                            : "no usable GPU: ") + none;
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("choice", choice);
        m.put("runs", runs);
        m.put("why", why);
        m.put("accelerated", accelerated == null ? null : accelerated.name());
        return m;
    }

    /** Model name, cores and the {@link #CPU_FEATURES} present, from the lines of /proc/cpuinfo (null: none). */
    static Map<String, Object> cpu(List<String> cpuinfo) {
        Map<String, Object> m = new LinkedHashMap<>();
        String model = null;
        List<String> features = null;
        if (cpuinfo != null) {
            for (String line : cpuinfo) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (model == null && key.equals("model name")) {
                    model = value;
                } else if (features == null && (key.equals("flags") || key.equals("Features"))) {
                    Set<String> present = Set.of(value.split("\\s+"));
                    features = new ArrayList<>(CPU_FEATURES.stream().filter(present::contains).toList());
                }
            }
        }
        m.put("model", model == null ? System.getProperty("os.arch") : model);
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("features", features);
        return m;
    }

    /** This machine's {@link #cpu(List)}: model, cores, features. */
    static Map<String, Object> thisCpu() {
        return cpu(cpuinfo());
    }

    private static List<String> cpuinfo() {
        try {
            Path p = Paths.get("/proc/cpuinfo");
            return Files.isReadable(p) ? Files.readAllLines(p) : null;
        } catch (IOException e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }

    /**
     * Where a data set ({@code mnist} or {@code cifar10}) would be read from: the locator (which must not download)
     * asked to find it; {@code dataDir} and {@code env} are the folder it was given, if any.
     */
    static Map<String, Object> where(DataLocator locator, String dataset, Path dataDir, String env) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean given = dataDir != null || (env != null && !env.isBlank());
        try {
            Path[] files = dataset.equals("cifar10") ? locator.cifar10() : locator.mnist();
            m.put("found", true);
            m.put("location", files[0].toAbsolutePath().getParent().toString());
            m.put("source", locator.source());
        } catch (IOException e) {
            m.put("found", false);
            m.put("location", null);
            m.put("source", dataDir != null ? "--data-dir" : given ? DataLocator.ENV : "download");
            m.put("detail", given ? "not in " + (dataDir != null ? "--data-dir " + dataDir : DataLocator.ENV + "="
                    + env) + ": a given folder is binding, a run would fail (nothing is downloaded)"
                    : "not found locally: a run would download it into ~/.deeplearning4j");
        }
        return m;
    }

    /** This project's version (the build writes it into version.properties). */
    static String projectVersion() {
        return property(InfoCommand.class.getResourceAsStream("version.properties"), "version");
    }

    /** The version of a Maven artifact on the class path, from the pom.properties its jar carries. */
    static String mavenVersion(String group, String artifact) {
        return property(InfoCommand.class.getResourceAsStream("/META-INF/maven/" + group + "/" + artifact
                + "/pom.properties"), "version");
    }

    private static String property(InputStream in, String key) {
        if (in == null) {
            return "unknown";
        }
        try (in) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty(key, "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
