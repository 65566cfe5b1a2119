/**
 * CUDA engine for EqProp relaxations (fused kernels). Not implemented yet: see the module README. The CPU engines
 * in {@code org.eqprop.dynamics} are what runs today; this package will add a {@code RelaxationEngine} whose free and
 * nudged phases run as persistent CUDA kernels.
 */
package org.eqprop.cuda;
