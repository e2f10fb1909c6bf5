// Branded scalar types for values that must never be mixed up: a term is not an index,
// an index is not a node id. They cost nothing at run time.

export type Term = number & { readonly __brand: 'Term' };
export type LogIndex = number & { readonly __brand: 'LogIndex' };
export type NodeId = number & { readonly __brand: 'NodeId' };

export const asTerm = (n: number): Term => n as Term;
export const asIndex = (n: number): LogIndex => n as LogIndex;
export const asNodeId = (n: number): NodeId => n as NodeId;

/** NodeId 0 means "none" (no vote cast, no known leader). Real replicas are numbered from 1. */
export const NO_NODE = 0 as NodeId;
