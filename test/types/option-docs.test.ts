/**
 * Every option's doc comment says what the editor should show: its libzmq
 * name, its default and its range. Read from the source with the TypeScript
 * parser (no type check), against the option names the run time knows.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import ts from "typescript";
import { OPTION_NAMES } from "../../src/options.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** name → doc comment text of each property of `interfaceName` in `file`. */
function docsOf(file: string, interfaceName: string): Map<string, string> {
  const source = ts.createSourceFile(file, readFileSync(root + file, "utf8"), ts.ScriptTarget.ES2022, true);
  const docs = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === interfaceName) {
      for (const member of node.members) {
        if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
        const text = ts
          .getJSDocCommentsAndTags(member)
          .map((d) => (ts.isJSDoc(d) && typeof d.comment === "string" ? d.comment : ""))
          .join("\n");
        docs.set(member.name.text, text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return docs;
}

describe("option documentation", () => {
  it("every socket option has a doc comment with its libzmq name, default and range", () => {
    const docs = docsOf("src/option-types.ts", "SocketOptionValues");
    expect([...docs.keys()].sort()).to.deep.equal([...OPTION_NAMES].sort());
    for (const [name, text] of docs) {
      expect(text, name).to.match(/`ZMQ_[A-Z_]+`/);
      expect(text, name).to.match(/Default: /);
      expect(text, name).to.match(/Range: /);
    }
  });

  it("options with wider input forms are documented there too", () => {
    for (const [name, text] of docsOf("src/option-types.ts", "WiderOptionInputs")) {
      expect(text, name).to.match(/`ZMQ_[A-Z_]+`/);
      expect(text, name).to.match(/Default: /);
    }
  });

  it("every context option has a doc comment with its libzmq name, default and range", () => {
    const docs = docsOf("src/context.ts", "ContextOptions");
    expect([...docs.keys()].sort()).to.deep.equal(["blocky", "ioThreads", "maxSockets"]);
    for (const [name, text] of docs) {
      expect(text, name).to.match(/`ZMQ_[A-Z_]+`/);
      expect(text, name).to.match(/Default: /);
      expect(text, name).to.match(/Range: /);
    }
  });
});
