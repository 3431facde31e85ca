/** Template-expression AST: the inside of "[...]" strings in a policy definition. */
export type ExprNode =
  | { kind: 'literal'; value: string | number; pos: number }
  | { kind: 'call'; name: string; args: ExprNode[]; pos: number }
  | { kind: 'property'; object: ExprNode; name: string; pos: number }
  | { kind: 'index'; object: ExprNode; index: ExprNode; pos: number };
