/**
 * Data-parallel EqProp training on Apache Spark. EqProp's gradient is a sum over examples of contrasts of ∂Φ/∂θ
 * between equilibria, so partitions compute partial sums that add up to the single-machine gradient:
 * <pre>
 *   g_t = Σ_p Σ_{i ∈ B_t ∩ p} ∇θL_i,   ∇θL_i ≈ scale · (∂Φ/∂θ(s_i^a) − ∂Φ/∂θ(s_i^b)),
 *   θ_{t+1} = θ_t − update(g_t / |B_t|)   (DL4J's updater, as in {@code MultiLayerNetwork.fit})
 * </pre>
 * <ul>
 *   <li>{@link org.eqprop.spark.SynchronousEqPropTrainer}: each step broadcasts θ_t and the global batch, every
 *       partition computes its share with an {@code EqPropNetwork}, {@code treeAggregate} sums them and the driver
 *       applies DL4J's updater, so a step equals the single-machine one up to the order of float sums (C-EP/C-VF
 *       excepted);</li>
 *   <li>{@link org.eqprop.spark.ParameterAveragingEqProp}: DL4J's own Spark route ({@code SparkDl4jMultiLayer} with
 *       parameter averaging), with the held force −β ε;</li>
 *   <li>{@link org.eqprop.spark.BatchSchedule}: the global minibatches, drawn as the single-machine iterator does;</li>
 *   <li>{@link org.eqprop.spark.ExampleBlock}, {@link org.eqprop.spark.ExamplePartitions}: training sets as RDDs,
 *       broadcast once and cut into index ranges;</li>
 *   <li>{@link org.eqprop.spark.PartialGradient}: one partition's summed gradient, loss and correct predictions;</li>
 *   <li>{@code GradientRound}, {@code WorkerNetworks}, {@code FlatArray}: the per-partition task, the executor-side
 *       networks reused across steps, and serializable flat vectors;</li>
 *   <li>{@link org.eqprop.spark.StepTimings}, {@link org.eqprop.spark.SparkContexts},
 *       {@link org.eqprop.spark.TaskFault}: timing breakdown, Spark configurations for JDK 17, and a fault-injection
 *       hook for recovery tests.</li>
 * </ul>
 */
package org.eqprop.spark;
