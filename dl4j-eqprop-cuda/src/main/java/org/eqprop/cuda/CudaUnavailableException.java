package org.eqprop.cuda;

/** Thrown when a kernel target (the host build or the GPU) cannot run here; the message says why. */
public final class CudaUnavailableException extends IllegalStateException {

    public CudaUnavailableException(String message) {
        super(message);
    }
}
