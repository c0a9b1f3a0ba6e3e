import protobuf from 'protobufjs'

/**
 * The subset of the official `onnx/onnx.proto` (package `onnx`, proto2) that the trainer's graphs use (the MLP
 * export, the numeric kernels' Gemm): names, types and field numbers copied from it, every other field left out. protobufjs writes known fields in field-number order,
 * so the same message gives the same bytes.
 */
const ONNX_SUBSET = `
syntax = "proto2";
package onnx;

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0;
    FLOAT = 1;
    INT = 2;
  }
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional AttributeType type = 20;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
}

message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}

message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`

const root = protobuf.parse(ONNX_SUBSET, { keepCase: true }).root

/** `onnx.ModelProto`, to encode an exported model (and decode one in tests). */
export const ModelProto = root.lookupType('onnx.ModelProto')

/** `TensorProto.DataType.FLOAT`, the element type of every tensor an MLP uses. */
export const ONNX_FLOAT = 1
/** `TensorProto.DataType.DOUBLE`. */
export const ONNX_DOUBLE = 11
