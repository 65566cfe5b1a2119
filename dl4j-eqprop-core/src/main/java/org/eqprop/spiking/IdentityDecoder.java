package org.eqprop.spiking;

/** The identity decoder (O'Connor et al. 2019, eq. 10): v^t = u^t, for encoders that send x itself. */
public final class IdentityDecoder implements Decoder, Decoder.Memory {

    public static final IdentityDecoder INSTANCE = new IdentityDecoder();

    private IdentityDecoder() {
    }

    @Override
    public Memory start(int neurons) {
        return this;
    }

    @Override
    public void decode(float[] u, int from, int to, int t) {
        // v = u
    }

    @Override
    public Memory copy() {
        return this;
    }

    @Override
    public String toString() {
        return "identity";
    }
}
