// Package operators holds the handlers of eaeu.operators.v1: the register
// of e-commerce operators. The conditions and deadlines are in
// internal/rules/operators; storage of the register in internal/register.
package operators
