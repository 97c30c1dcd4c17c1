/** Port type names of plain values. Model-specific port types are declared next to the nodes that produce them. */
export const INT = 'INT';
export const FLOAT = 'FLOAT';
export const STRING = 'STRING';
export const BOOLEAN = 'BOOLEAN';
