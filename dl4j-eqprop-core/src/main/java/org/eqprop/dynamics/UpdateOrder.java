package org.eqprop.dynamics;

/**
 * The order in which a relaxation step updates the layers: all from s_t ({@code synchronous}, Ernoult et al. 2019),
 * or the even layers first and then the odd ones from the new even ones ({@code alternating}; Scellier et al. 2023
 * reach the same accuracy with 60/20 instead of 250/30 steps).
 */
public enum UpdateOrder implements org.eqprop.util.Named {
    SYNCHRONOUS, ALTERNATING;
}
