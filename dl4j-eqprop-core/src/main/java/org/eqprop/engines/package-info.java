/**
 * Which relaxation engine runs a phase: {@link org.eqprop.engines.EngineChoice} maps the configured choice
 * ({@code auto}, {@code cpu}, {@code cuda}, {@code fused}, {@code reference}) to an engine, asking each engine whether
 * it supports the chain and the force (the fused CPU engine for float32 dense chains, a GPU engine from a
 * {@code ServiceLoader} provider when a usable device exists, else the reference engine), and logs each distinct
 * decision once. It sits above {@code dynamics} and {@code dynamics.fused}, so that neither depends on the other's
 * choice.
 */
package org.eqprop.engines;
