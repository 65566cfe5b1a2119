/**
 * The {@code eqprop} command line ({@link org.eqprop.examples.cli.Main}): reproductions of the papers' experiments on
 * named presets, checks of the EqProp gradient against BPTT and exact references, and utilities. Every command ends
 * its stdout with a one-line JSON summary ({@code "status": "error"} on failure); exit code 0 on success, 2 on a usage
 * error or a bad value (refused before any work), 1 otherwise. Apart from {@code Main}, the classes are package-private.
 * <ul>
 *   <li>{@code train} ({@code TrainCommand}, or {@code SparkTrainCommand} with {@code --spark}), {@code evaluate},
 *       {@code export} (parameters as NumPy, PyTorch layout), {@code gradient} (one batch's EqProp estimate as
 *       NumPy files), {@code bench} (timed iterations, reference engine, peak memory);</li>
 *   <li>{@code compare}: EqProp versus BPTT from the same initial weights, per number of free steps T;</li>
 *   <li>{@code gdd}: the step-by-step EqProp-vs-BPTT check of Ernoult et al. 2019 (Theorem 1, Fig. 1b);</li>
 *   <li>{@code deep}: DirEcted EqProp (Farinha et al. 2020) on logic gates, or on MNIST with {@code --task mnist};</li>
 *   <li>{@code spiking-convergence}: Fig. 2 of O'Connor et al. 2019;</li>
 *   <li>{@code oscillation}: online holomorphic EqProp (Laborieux &amp; Zenke 2022), nudge β(t) = |β| e^{2πit/M};</li>
 *   <li>{@code langevin}: bias and spread of Langevin EqProp over temperatures T and nudges β;</li>
 *   <li>{@code info} (versions, the engine that would run and why, where data would be read from),
 *       {@code completion} (the bash completion script) and {@code help} (also writes docs/cli.md);</li>
 *   <li>{@code Cli}: the commands on picocli, each declaring its options in a {@code spec()} ({@code Options}: the
 *       typed, range-checked option kinds; {@code PresetOptions}: the overrides of a preset, declared once;
 *       {@code HelpText}: the help's layout; {@code CliReference}: docs/cli.md from the same declarations);</li>
 *   <li>{@code Preset}: the named experiments (mnist-fc1, mnist-fc2, mnist-conv, cifar10-laborieux, cifar10-small,
 *       mnist-resistive, mnist-spiking, mnist-spiking-3h) with their papers' hyperparameters;</li>
 *   <li>{@code Args} (the options one command line gave, as picocli parsed them), {@code Datasets}, {@code Json},
 *       {@code PeakMemory}, {@code Progress}, {@code RunFailure}: options, data sets, the JSON summary, peak
 *       resident memory, the progress bar and failure reporting.</li>
 * </ul>
 */
package org.eqprop.examples.cli;
