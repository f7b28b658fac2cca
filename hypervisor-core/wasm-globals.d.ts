/**
 * The WebAssembly JavaScript API (WebAssembly JS API 2.0, with the threads proposal's shared
 * memories) as Node provides it. TypeScript declares it only in lib.dom, which this project
 * does not load; these are the parts the core uses.
 */
declare namespace WebAssembly {
  /** WebAssembly.Memory's constructor argument (sizes in 64 KiB pages). */
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  /** A linear memory; `buffer` is a SharedArrayBuffer when it is shared. */
  interface Memory {
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  var Memory: {
    prototype: Memory;
    new (descriptor: MemoryDescriptor): Memory;
  };

  /** A global exported by an instance (the i32 and f64 ones read as numbers). */
  interface Global {
    value: unknown;
  }

  /** A table of function references (element 'anyfunc'), growable. */
  interface TableDescriptor {
    element: 'anyfunc';
    initial: number;
    maximum?: number;
  }
  interface Table {
    readonly length: number;
    get(index: number): Function | null;
    set(index: number, value: Function | null): void;
    grow(delta: number): number;
  }
  var Table: {
    prototype: Table;
    new (descriptor: TableDescriptor): Table;
  };

  /** A compiled module. */
  interface Module {}
  var Module: {
    prototype: Module;
    new (bytes: ArrayBufferView | ArrayBuffer): Module;
  };

  type ImportValue = Function | Memory | Table | Global | number | bigint;
  type ModuleImports = Record<string, ImportValue>;
  type Imports = Record<string, ModuleImports>;
  type Exports = Record<string, Function | Memory | unknown>;

  /** An instantiated module. */
  interface Instance {
    readonly exports: Exports;
  }
  var Instance: {
    prototype: Instance;
    new (module: Module, imports?: Imports): Instance;
  };

  interface CompileError extends Error {}
  var CompileError: { new (message?: string): CompileError; prototype: CompileError };
  interface LinkError extends Error {}
  var LinkError: { new (message?: string): LinkError; prototype: LinkError };
  interface RuntimeError extends Error {}
  var RuntimeError: { new (message?: string): RuntimeError; prototype: RuntimeError };

  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}
