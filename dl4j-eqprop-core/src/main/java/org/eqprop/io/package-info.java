/**
 * Files of a training run: crash-safe saves, checkpoints that resume a run exactly, DL4J model files, and the NumPy
 * formats through which parameters travel to and from the PyTorch research code.
 * <ul>
 *   <li>{@link org.eqprop.io.AtomicFiles}: write a temporary file beside the target, flush, rename over it;</li>
 *   <li>{@link org.eqprop.io.Checkpoint}: one zip of {@code model.zip} (DL4J's {@code ModelSerializer} form) and
 *       {@code state.json} (random-stream positions, the trainer's place in the data and its history);</li>
 *   <li>{@link org.eqprop.io.ModelFiles}: saving and restoring networks, atomically and with clear errors;</li>
 *   <li>{@link org.eqprop.io.Npy}, {@link org.eqprop.io.Npz}: NumPy's {@code .npy} arrays (versions 1–3) and
 *       {@code .npz} archives;</li>
 *   <li>{@link org.eqprop.io.NumpyParams}: parameters named {@code W1, b1, W2, b2, ...} (and {@code Bk} for
 *       vector-field feedback) in PyTorch's layouts, {@code Wk} [out, in] or a convolution's [out, in, kH, kW];</li>
 *   <li>{@link org.eqprop.io.RunDirectory}: a run's output folder, locked against a second run, cleared of stale
 *       temporaries, never taken over silently.</li>
 * </ul>
 */
package org.eqprop.io;
