export { RoomClient, type ConnectionState, type MicState, type RoomClientEvents, type RoomClientOptions } from './RoomClient.js';
export { RequestError, SignalingClient, type ParleySocket } from './SignalingClient.js';
export { Emitter } from './Emitter.js';
export { connectionQuality, qualitySample, worseQuality, type ConnectionQuality, type QualitySample } from './connectionQuality.js';
