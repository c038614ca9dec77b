/**
 * The x86 accelerator probe's guest: a 64 KiB firmware image that does what every x86_64 kernel does first — leave
 * real mode for protected mode, then turn on paging and enter long mode — printing a mark on COM1 at each stage.
 * Booting firmware alone proves too little: on a measured host (nested, /dev/kvm present) SeaBIOS ran under KVM and
 * printed its banner, while any Linux kernel hung at 100% system time right after its real-mode setup. This image
 * hangs there too, after `R`, and prints the whole line only where a kernel can run.
 *
 * Layout (loaded at 0xF0000 and at the reset vector): code at 0x00, the message at 0xA0, a flat GDT at 0xC0 (null,
 * 32-bit code, data, 64-bit code), its descriptor at 0xE0, `jmp far F000:0000` at 0xFFF0. Page tables are built in
 * guest RAM at 0x1000–0x3FFF: one 2 MiB identity page covers everything the code touches.
 */
export const X86_PROBE_PROOF = 'tnbuild-probe: long mode';

// biome-ignore format: one instruction per row, as assembled (GNU as, .code16 / .code32 / .code64)
const CODE = [
  // real mode
  0xfa,                                     // 00: cli
  0xba, 0xf8, 0x03,                         // 01: mov $0x3f8, %dx (COM1)
  0xb0, 0x52,                               // 04: mov $'R', %al
  0xee,                                     // 06: out %al, %dx
  0x2e, 0x66, 0x0f, 0x01, 0x16, 0xe0, 0x00, // 07: lgdtl %cs:0xe0
  0x0f, 0x20, 0xc0,                         // 0e: mov %cr0, %eax
  0x66, 0x83, 0xc8, 0x01,                   // 11: or $1, %eax (PE)
  0x0f, 0x22, 0xc0,                         // 15: mov %eax, %cr0
  0x66, 0xea, 0x20, 0x00, 0x0f, 0x00, 0x08, 0x00, // 18: ljmpl $0x08, $0xf0020
  // protected mode
  0x66, 0xb8, 0x10, 0x00,                   // 20: mov $0x10, %ax
  0x8e, 0xd8,                               // 24: mov %ax, %ds
  0x8e, 0xc0,                               // 26: mov %ax, %es
  0x8e, 0xd0,                               // 28: mov %ax, %ss
  0xb0, 0x50,                               // 2a: mov $'P', %al
  0xee,                                     // 2c: out %al, %dx
  0xbf, 0x00, 0x10, 0x00, 0x00,             // 2d: mov $0x1000, %edi
  0x31, 0xc0,                               // 32: xor %eax, %eax
  0xb9, 0x00, 0x0c, 0x00, 0x00,             // 34: mov $0xc00, %ecx
  0xf3, 0xab,                               // 39: rep stosl (zero 0x1000-0x3fff)
  0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x03, 0x20, 0x00, 0x00, // 3b: movl $0x2003, 0x1000 (PML4[0])
  0xc7, 0x05, 0x00, 0x20, 0x00, 0x00, 0x03, 0x30, 0x00, 0x00, // 45: movl $0x3003, 0x2000 (PDPT[0])
  0xc7, 0x05, 0x00, 0x30, 0x00, 0x00, 0x83, 0x00, 0x00, 0x00, // 4f: movl $0x83, 0x3000 (PD[0], 2 MiB)
  0xb8, 0x00, 0x10, 0x00, 0x00,             // 59: mov $0x1000, %eax
  0x0f, 0x22, 0xd8,                         // 5e: mov %eax, %cr3
  0x0f, 0x20, 0xe0,                         // 61: mov %cr4, %eax
  0x83, 0xc8, 0x20,                         // 64: or $0x20, %eax (PAE)
  0x0f, 0x22, 0xe0,                         // 67: mov %eax, %cr4
  0xb9, 0x80, 0x00, 0x00, 0xc0,             // 6a: mov $0xc0000080, %ecx (EFER)
  0x0f, 0x32,                               // 6f: rdmsr
  0x0d, 0x00, 0x01, 0x00, 0x00,             // 71: or $0x100, %eax (LME)
  0x0f, 0x30,                               // 76: wrmsr
  0x0f, 0x20, 0xc0,                         // 78: mov %cr0, %eax
  0x0d, 0x00, 0x00, 0x00, 0x80,             // 7b: or $0x80000000, %eax (PG)
  0x0f, 0x22, 0xc0,                         // 80: mov %eax, %cr0
  0xea, 0x8a, 0x00, 0x0f, 0x00, 0x18, 0x00, // 83: ljmpl $0x18, $0xf008a
  // long mode
  0x48, 0x8d, 0x35, 0x0f, 0x00, 0x00, 0x00, // 8a: lea 0xa0(%rip), %rsi (the message)
  0x66, 0xba, 0xf8, 0x03,                   // 91: mov $0x3f8, %dx
  0xac,                                     // 95: lodsb
  0x84, 0xc0,                               // 96: test %al, %al
  0x74, 0x03,                               // 98: jz 0x9d
  0xee,                                     // 9a: out %al, %dx
  0xeb, 0xf8,                               // 9b: jmp 0x95
  0xf4,                                     // 9d: hlt
  0xeb, 0xfd,                               // 9e: jmp 0x9d
];

const MESSAGE_AT = 0xa0;
const GDT_AT = 0xc0;
const GDT = [0n, 0x00cf9a000000ffffn, 0x00cf92000000ffffn, 0x00af9a000000ffffn];
const GDTR_AT = 0xe0;
const RESET_VECTOR_AT = 0xfff0;

/** The image, for QEMU's `-bios`. */
export function x86ProbeFirmware(): Buffer {
  const image = Buffer.alloc(64 * 1024);
  Buffer.from(CODE).copy(image, 0);
  image.write(`${X86_PROBE_PROOF}\n\0`, MESSAGE_AT, 'latin1');
  for (const [index, entry] of GDT.entries()) image.writeBigUInt64LE(entry, GDT_AT + index * 8);
  image.writeUInt16LE(GDT.length * 8 - 1, GDTR_AT);
  image.writeUInt32LE(0xf0000 + GDT_AT, GDTR_AT + 2);
  Buffer.from([0xea, 0x00, 0x00, 0x00, 0xf0]).copy(image, RESET_VECTOR_AT); // jmp far F000:0000
  return image;
}
