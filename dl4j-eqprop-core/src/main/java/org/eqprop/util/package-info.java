/**
 * Neutral helpers shared by the other packages, depending on none of them.
 *
 * <p>{@link org.eqprop.util.Named}: a choice spelled as the papers and the command line spell it;
 * {@link org.eqprop.util.Records} with {@link org.eqprop.util.Setting}: the components of a settings record read,
 * replaced and documented generically, which is how JSON and the command line follow a settings record.
 *
 * <p>{@link org.eqprop.util.ResumableRandom}: the SplitMix64 stream (Steele, Lea &amp; Flood 2014),
 * {@code z ← z + γ; out = mix64(z)}, whose whole state is the one word z, so that a checkpoint records it and a resumed
 * run draws the same numbers. {@link org.eqprop.util.RandomState}: what a component that draws random numbers during
 * training (an estimator's random sign, Langevin noise, device noise) hands to a checkpoint.
 */
package org.eqprop.util;
