package org.eqprop.engines;

import org.eqprop.dynamics.AcceleratedEngine;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.RelaxationEngine;
import org.eqprop.dynamics.ResidentIteration;

import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.fused.FusedDenseRelaxation;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Picks the relaxation engine of a phase from the configured choice: {@code reference} (ND4J ops), {@code fused}
 * (the fast CPU engine, required), {@code cpu} (fused when it applies, else reference), {@code cuda} (an
 * {@link AcceleratedEngine} when a usable GPU and driver exist, else the CPU engine with a warning saying why) and
 * {@code auto} (cuda when usable, else cpu). Which engine runs and why is logged once per distinct decision.
 */
public final class EngineChoice {

    /** The accepted engine names ({@link EngineKind}). */
    public static final List<String> NAMES = java.util.Arrays.stream(EngineKind.values()).map(EngineKind::cliName)
            .toList();

    private static final Logger log = LoggerFactory.getLogger(EngineChoice.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    private static volatile List<AcceleratedEngine.Provider> providers;

    private EngineChoice() {
    }

    /** Checks an engine name (case-insensitive) and returns it in lower case. */
    public static String checked(String choice) {
        String c = choice == null ? "" : choice.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(c)) {
            throw new IllegalArgumentException("engine must be one of " + NAMES + ", got '" + choice + "'");
        }
        return c;
    }

    /** The engine for a phase, by the choice's name. */
    public static RelaxationEngine select(String choice, EnergyChain chain, NudgingForce force, DataType dataType) {
        return select(EngineKind.parse(checked(choice)), chain, force, dataType);
    }

    /** A resident iteration, by the choice's name. */
    public static ResidentIteration resident(String choice, EnergyChain chain, long[] inputShape, int batch,
                                             DataType dataType, boolean alternating) {
        return resident(EngineKind.parse(checked(choice)), chain, inputShape, batch, dataType, alternating);
    }

    private static final java.util.Map<String, String> DISABLED = new ConcurrentHashMap<>();

    /**
     * Takes an accelerated engine out of the choice for the rest of the process after it failed (logged once):
     * {@code auto} and {@code cuda} then pick the CPU engine.
     */
    public static void disable(String engine, String reason) {
        if (DISABLED.putIfAbsent(engine, reason) == null) {
            log.warn("{} failed and is disabled for this process; continuing on the CPU engine ({})", engine, reason);
        }
    }

    /** Puts a disabled engine back (tests). */
    public static void enable(String engine) {
        DISABLED.remove(engine);
    }

    /** Why an engine was disabled, or null. */
    public static String disabled(String engine) {
        return DISABLED.get(engine);
    }

    /** The engine for a phase of this chain with this force and data type. */
    public static RelaxationEngine select(EngineKind choice, EnergyChain chain, NudgingForce force,
                                          DataType dataType) {
        boolean fusedOk = FusedDenseRelaxation.INSTANCE.supports(chain, force, dataType);
        if (choice == EngineKind.FUSED && !fusedOk) {
            throw new IllegalStateException("engine=fused needs float32 dense layers and a cost with a fused form "
                    + "(squared error, softmax readout or held force); use engine=auto or reference");
        }
        if (choice == EngineKind.REFERENCE) {
            return ReferenceRelaxation.INSTANCE;
        }
        RelaxationEngine cpu = fusedOk ? FusedDenseRelaxation.INSTANCE : ReferenceRelaxation.INSTANCE;
        if (choice == EngineKind.CUDA || choice == EngineKind.AUTO) {
            List<String> reasons = new ArrayList<>();
            for (AcceleratedEngine.Provider p : providers()) {
                AcceleratedEngine e = p.engine();
                if (e != null && DISABLED.containsKey(e.name())) {
                    reasons.add(e.name() + " was disabled after a failure: " + DISABLED.get(e.name()));
                    continue;
                }
                if (e != null && e.supports(chain, force, dataType)) {
                    once("info", "relaxation engine " + e.name() + ": " + p.status());
                    return e;
                }
                reasons.add(e == null ? p.status() : e.name() + " does not run this block (interactions, force or "
                        + "data type) on the GPU");
            }
            String why = reasons.isEmpty() ? "module dl4j-eqprop-cuda is not on the classpath" : String.join("; ",
                    reasons);
            once(choice == EngineKind.CUDA ? "warn" : "info", (choice == EngineKind.CUDA ? "engine=cuda requested but unavailable ("
                    : "CUDA engine not used (") + why + "); running the CPU engine " + cpu.name());
        }
        return cpu;
    }

    /**
     * A resident iteration ({@link ResidentIteration}) of this block on the first accelerated engine that can hold
     * it, for the choices {@code auto} and {@code cuda}; null when none can (the phases then run one by one on the
     * engine {@link #select} picks).
     */
    public static ResidentIteration resident(EngineKind choice, EnergyChain chain, long[] inputShape, int batch,
                                             DataType dataType, boolean alternating) {
        if (choice != EngineKind.CUDA && choice != EngineKind.AUTO) {
            return null;
        }
        for (AcceleratedEngine.Provider p : providers()) {
            AcceleratedEngine e = p.engine();
            if (e == null || DISABLED.containsKey(e.name())) {
                continue;
            }
            ResidentIteration r = e.resident(chain, inputShape, batch, dataType, alternating);
            if (r != null) {
                once("info", "relaxation engine " + r.name() + " (whole iterations resident on the device): "
                        + p.status());
                return r;
            }
        }
        return null;
    }

    /** The status line of every accelerator provider (empty when the CUDA module is absent). */
    public static List<String> acceleratorStatus() {
        List<String> s = new ArrayList<>();
        for (AcceleratedEngine.Provider p : providers()) {
            s.add(p.status());
        }
        return s;
    }

    /** The first usable accelerated engine, or null. */
    public static AcceleratedEngine accelerated() {
        for (AcceleratedEngine.Provider p : providers()) {
            AcceleratedEngine e = p.engine();
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    private static List<AcceleratedEngine.Provider> providers() {
        List<AcceleratedEngine.Provider> p = providers;
        if (p == null) {
            List<AcceleratedEngine.Provider> found = new ArrayList<>();
            ServiceLoader.load(AcceleratedEngine.Provider.class).forEach(found::add);
            providers = p = List.copyOf(found);
        }
        return p;
    }

    private static void once(String level, String message) {
        if (LOGGED.add(message)) {
            if (level.equals("warn")) {
                log.warn(message);
            } else {
                log.info(message);
            }
        }
    }
}
