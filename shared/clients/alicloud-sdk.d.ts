// Minimal typings for the two @alicloud SDKs that ship without any. Only what
// queueflow calls is declared (behaviour: @alicloud/mns 1.2.0 and @alicloud/fc2 2.6.6,
// lib/client.js of each).

declare module '@alicloud/mns' {
  /** The @alicloud/mns 1.2 client (queue calls only). */
  class MnsClient {
    constructor(accountId: string, options: MnsClient.MnsClientOptions);
    createQueue(
      name: string,
      attributes?: Record<string, string | number>,
    ): Promise<MnsClient.MnsResponse<undefined>>;
    deleteQueue(name: string): Promise<MnsClient.MnsResponse<undefined>>;
    getQueueAttributes(name: string): Promise<MnsClient.MnsResponse<Record<string, string>>>;
    sendMessage(
      name: string,
      params: { MessageBody: string; DelaySeconds?: number; Priority?: number },
    ): Promise<MnsClient.MnsResponse<{ MessageId: string; MessageBodyMD5: string }>>;
    /**
     * 201 with one entry per message; a partial failure resolves too (non-2xx),
     * its failed entries carrying ErrorCode/ErrorMessage. One entry may come back
     * as an object rather than an array (xml2js).
     */
    batchSendMessage(
      name: string,
      messages: Array<{ MessageBody: string; DelaySeconds?: number; Priority?: number }>,
    ): Promise<
      MnsClient.MnsResponse<
        | Array<Record<string, string | string[] | undefined>>
        | Record<string, string | string[] | undefined>
      >
    >;
    receiveMessage(
      name: string,
      waitSeconds?: number,
    ): Promise<MnsClient.MnsResponse<MnsClient.MnsMessage>>;
    batchReceiveMessage(
      name: string,
      numOfMessages: number,
      /** Sent only when truthy: a number 0 is dropped (the queue's PollingWaitSeconds applies), the string '0' is sent. */
      waitSeconds?: number | string,
    ): Promise<MnsClient.MnsResponse<MnsClient.MnsMessage[]>>;
    deleteMessage(name: string, receiptHandle: string): Promise<MnsClient.MnsResponse<undefined>>;
    /** Body: undefined when all were deleted, else one entry per refused handle (fields as xml2js leaves them). */
    batchDeleteMessage(
      name: string,
      receiptHandles: string[],
    ): Promise<
      MnsClient.MnsResponse<Array<Record<string, string | string[] | undefined>> | undefined>
    >;
    changeMessageVisibility(
      name: string,
      receiptHandle: string,
      visibilityTimeout: number,
    ): Promise<MnsClient.MnsResponse<{ ReceiptHandle: string; NextVisibleTime: string }>>;
  }
  namespace MnsClient {
    /** What every @alicloud/mns method resolves to: status, filtered headers, parsed XML body. */
    interface MnsResponse<B> {
      code: number;
      headers: Record<string, string | undefined>;
      body: B;
    }
    /** One received message; every field is a string (the SDK does no conversion). */
    interface MnsMessage {
      MessageId: string;
      ReceiptHandle: string;
      MessageBody: string;
      MessageBodyMD5?: string;
      EnqueueTime?: string;
      NextVisibleTime?: string;
      FirstDequeueTime?: string;
      DequeueCount?: string;
      Priority?: string;
    }
    /** Constructor options of the MNS client. */
    interface MnsClientOptions {
      accessKeyId: string;
      accessKeySecret: string;
      securityToken?: string;
      region?: string;
      endpoint?: string;
      secure?: boolean;
      internal?: boolean;
      vpc?: boolean;
      readTimeout?: number;
      connectTimeout?: number;
    }
  }
  export = MnsClient;
}

declare module '@alicloud/fc2' {
  /** Constructor options of the FC 2016-08-15 client. */
  interface FcClientOptions {
    accessKeyID: string;
    accessKeySecret: string;
    securityToken?: string;
    region: string;
    endpoint?: string;
    secure?: boolean;
    internal?: boolean;
    timeout?: number;
  }
  /** The @alicloud/fc2 2.6 client (invoke only). */
  class FcClient {
    constructor(accountId: string, options: FcClientOptions);
    invokeFunction(
      serviceName: string,
      functionName: string,
      event: string | Buffer,
      headers?: Record<string, string>,
      qualifier?: string,
      opts?: { rawBuf?: boolean },
    ): Promise<{ headers: Record<string, string | undefined>; data: unknown }>;
  }
  export = FcClient;
}
