/**
 * The model code other packages use: the scorer's tests and benchmark build real ONNX rankers with the same export
 * code the pipeline uses (`@recsys/trainer/model`).
 */
export * from './mlp'
export * from './onnx-export'
export * from './bundle'
