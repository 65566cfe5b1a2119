package org.eqprop.util;

/**
 * A component that draws random numbers as it trains, able to hand out the position of its streams and to be set back
 * to one: what a checkpoint records so that a resumed run continues exactly. The defaults describe a component without
 * random streams.
 */
public interface RandomState {

    long[] NONE = new long[0];

    /** The position of every random stream, in a fixed order and length for a given configuration. */
    default long[] randomState() {
        return NONE;
    }

    /**
     * Sets the streams back to a position from {@link #randomState()}.
     *
     * @throws IllegalArgumentException when the state has the wrong length (another configuration)
     */
    default void restoreRandomState(long[] state) {
        expectLength(state, 0, getClass().getSimpleName());
    }

    /** A component whose random draws all come from one {@link ResumableRandom}: its state is that stream's. */
    interface OneStream extends RandomState {

        /** The stream the component draws from. */
        ResumableRandom stream();

        @Override
        default long[] randomState() {
            return stream().randomState();
        }

        @Override
        default void restoreRandomState(long[] state) {
            stream().restoreRandomState(state);
        }
    }

    /** Checks a saved state's length. */
    static void expectLength(long[] state, int length, String owner) {
        if (state.length != length) {
            throw new IllegalArgumentException(owner + ": a random state of " + length + " words was expected, got "
                    + state.length + " (the checkpoint comes from another configuration)");
        }
    }
}
