package org.eqprop.engines;

/**
 * The relaxation engine a block asks for; {@link EngineChoice} decides what runs: {@code reference} (ND4J ops),
 * {@code fused} (the fast CPU kernels, required), {@code cpu} (fused when they apply, else reference), {@code cuda}
 * (the GPU engine when usable, else the CPU engine with a warning) and {@code auto} (cuda when usable, else cpu).
 */
public enum EngineKind implements org.eqprop.util.Named {
    AUTO, CPU, CUDA, FUSED, REFERENCE;

    /** The kind named {@code name} (any case), or an exception listing the choices. */
    public static EngineKind parse(String name) {
        return org.eqprop.util.Named.parse(EngineKind.class, name, "engine");
    }
}
