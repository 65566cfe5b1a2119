package org.eqprop.dynamics;

/**
 * An accelerator failed after it was chosen (a launch error, its memory exhausted, a lost context). The block that
 * meets it disables the engine for the process with one warning ({@link org.eqprop.engines.EngineChoice#disable}) and redoes the
 * iteration on a CPU engine; the message says what failed.
 */
public class AcceleratorFailure extends RuntimeException {

    private final String engine;

    public AcceleratorFailure(String engine, String message) {
        super(engine + ": " + message);
        this.engine = engine;
    }

    /** The name of the engine that failed. */
    public String engine() {
        return engine;
    }
}
