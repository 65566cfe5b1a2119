/**
 * The image data sets of the experiments (MNIST, Fashion-MNIST, CIFAR-10) and their DL4J input pipeline: locating or
 * fetching the files, reading them into memory with pixels scaled to [0, 1], seeded shuffling, augmentation and
 * per-channel normalisation.
 * <ul>
 *   <li>{@link org.eqprop.data.DataLocator}: {@code --data-dir}, {@code $EQPROP_DATA_DIR}, the
 *       {@code ~/.deeplearning4j} locations, then a download checked against known SHA-256 digests;</li>
 *   <li>{@link org.eqprop.data.IdxReader}, {@link org.eqprop.data.CifarReader}: the IDX and CIFAR-10 binary formats,
 *       plain or gzip-compressed;</li>
 *   <li>{@link org.eqprop.data.LabeledImages}: an in-memory set, one example per row, with integer labels;</li>
 *   <li>{@link org.eqprop.data.ShufflingIterator}: a DL4J {@code DataSetIterator}, reshuffled (seeded) at each
 *       reset;</li>
 *   <li>{@link org.eqprop.data.ImageAugmentation}: random crop of the zero-padded image and horizontal flip;</li>
 *   <li>{@link org.eqprop.data.ChannelNormalization}: per-channel standardisation, fitted or with CIFAR-10's
 *       statistics;</li>
 *   <li>{@link org.eqprop.data.SyntheticImages}: small learnable MNIST and CIFAR-10 look-alikes for tests.</li>
 * </ul>
 * <pre>
 *   normalisation:  x'_c = (x_c − mean_c) / std_c                       (per channel c)
 *   augmentation:   x'(i, j) = x(i + dy, j + dx), dy, dx ∈ [−padding, padding], 0 outside; flip with probability ½
 * </pre>
 */
package org.eqprop.data;
