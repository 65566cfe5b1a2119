package org.eqprop.dynamics;

/** A relaxation that cannot give a usable fixed point: its states became NaN or infinite. */
public class RelaxationException extends RuntimeException {
    public RelaxationException(String message) {
        super(message);
    }
}
