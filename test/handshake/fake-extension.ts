/** wsproto's test helper `FakeExtension` (spec §9.1), in TypeScript. */

import { Extension } from "../../src/extensions/extension.js";

export class FakeExtension extends Extension {
  readonly name: string;
  readonly offered: string[] = [];
  readonly finalized: string[] = [];

  constructor(
    readonly options: {
      offerResponse?: string | boolean | null;
      acceptResponse?: string | boolean | null;
      name?: string;
      throwOnFinalize?: boolean;
    } = {},
  ) {
    super();
    this.name = options.name ?? "fake";
  }

  override offer(): string | boolean | null {
    return this.options.offerResponse ?? null;
  }

  override accept(offer: string): string | boolean | null {
    this.offered.push(offer);
    return this.options.acceptResponse ?? null;
  }

  override finalize(accepted: string): void {
    if (this.options.throwOnFinalize) throw new Error("fake refuses " + accepted);
    this.finalized.push(accepted);
  }
}
