import { Option } from 'commander';
import type { Writer } from './context.js';

export type OutputFormat = 'text' | 'json' | 'tree';

/** `-o, --output text|json`, shared by every command that prints a result. */
export function outputOption(defaultFormat: OutputFormat = 'text', choices: readonly string[] = ['text', 'json']): Option {
  return new Option('-o, --output <format>', 'output format').choices([...choices]).default(defaultFormat);
}

export function printJson(writer: Writer, value: unknown): void {
  writer.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Renders a tree with the box-drawing characters Notation and ORAS use. */
export interface TreeNode {
  readonly label: string;
  readonly children?: readonly TreeNode[];
}

export function renderTree(root: TreeNode): string {
  const lines = [root.label];
  const walk = (nodes: readonly TreeNode[], prefix: string): void => {
    nodes.forEach((node, position) => {
      const last = position === nodes.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${node.label}`);
      walk(node.children ?? [], `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(root.children ?? [], '');
  return `${lines.join('\n')}\n`;
}
