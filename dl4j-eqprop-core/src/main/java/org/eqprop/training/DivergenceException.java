package org.eqprop.training;

/** Thrown from inside {@code fit} by {@link DivergenceGuard}: the run diverged; the message says how and when. */
public final class DivergenceException extends RuntimeException {

    private final long iteration;

    public DivergenceException(String message, long iteration) {
        super(message);
        this.iteration = iteration;
    }

    /** The iteration (DL4J's count) at which divergence was detected. */
    public long iteration() {
        return iteration;
    }
}
