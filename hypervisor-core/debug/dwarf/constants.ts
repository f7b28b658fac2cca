/** DWARF tags, attributes and base-type encodings the variable reader uses (DWARF 5 spec 7.5.3, 7.5.4, 7.8). */

/** DW_TAG_*. */
export const enum Tag {
  array_type = 0x01, enumeration_type = 0x04, formal_parameter = 0x05, lexical_block = 0x0b, member = 0x0d,
  pointer_type = 0x0f, reference_type = 0x10, compile_unit = 0x11, structure_type = 0x13, subroutine_type = 0x15,
  typedef = 0x16, union_type = 0x17, unspecified_parameters = 0x18, inlined_subroutine = 0x1d, subrange_type = 0x21,
  base_type = 0x24, const_type = 0x26, enumerator = 0x28, subprogram = 0x2e, variable = 0x34, volatile_type = 0x35,
  restrict_type = 0x37, atomic_type = 0x47, call_site = 0x48, call_site_parameter = 0x49, GNU_call_site = 0x4109,
  GNU_call_site_parameter = 0x410a, unspecified_type = 0x3b,
}

/** DW_AT_*. */
export const enum At {
  location = 0x02, name = 0x03, byte_size = 0x0b, bit_offset = 0x0c, bit_size = 0x0d, stmt_list = 0x10, low_pc = 0x11,
  high_pc = 0x12, comp_dir = 0x1b, const_value = 0x1c, upper_bound = 0x2f, abstract_origin = 0x31, count = 0x37,
  data_member_location = 0x38, declaration = 0x3c, encoding = 0x3e, external = 0x3f, frame_base = 0x40,
  specification = 0x47, type = 0x49, ranges = 0x55, data_bit_offset = 0x6b, str_offsets_base = 0x72, addr_base = 0x73,
  rnglists_base = 0x74, loclists_base = 0x8c, call_value = 0x7e, call_return_pc = 0x7d, call_pc = 0x81,
  GNU_call_site_value = 0x2111, lower_bound = 0x22, call_origin = 0x7f,
}

/** DW_ATE_* (base type encodings). */
export const enum Ate {
  address = 0x1, boolean = 0x2, float = 0x4, signed = 0x5, signed_char = 0x6, unsigned = 0x7, unsigned_char = 0x8,
  UTF = 0x10,
}
