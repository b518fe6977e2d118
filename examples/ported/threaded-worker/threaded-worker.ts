import {isMainThread, Worker, workerData} from "worker_threads"
import {Context} from "zocket"

/* In a worker thread: this thread's handle on the context shared by the main thread. */
const ctx = isMainThread ? undefined : Context.attach(workerData)

export class ThreadedWorker {
  static async spawn(threads: number, context: Context) {
    const workers = Array.from({length: threads}).map(() => {
      return new Promise<undefined>((resolve, reject) => {
        const handle = context.share()
        new Worker(new URL(import.meta.url), {
          workerData: handle,
          transferList: handle.transferList,
        }).on("exit", code => {
          if (code === 0) {
            resolve(undefined)
          } else {
            reject(new Error(`Worker stopped with exit code ${code}`))
          }
        })
      })
    })

    await Promise.all(workers)
    console.log("all workers stopped")
  }

  /* Queue only 1 incoming message. */
  input = ctx!.socket("PULL", {receiveHighWaterMark: 1})
  output = ctx!.socket("PUSH")
  signal = ctx!.socket("SUB")

  shift = 13
  maxDelay = 2000 /* Average of 1s. */

  constructor() {
    this.input.connect("inproc://input")
    this.output.connect("inproc://output")

    this.signal.connect("inproc://signal")
    this.signal.subscribe()

    const listen = async () => {
      for await (const [sig] of this.signal) {
        if (sig!.toString() === "stop") {
          await this.stop()
        }
      }
    }

    listen().catch(err => {
      throw err
    })
  }

  async stop() {
    this.input.close()
    this.output.close()
    this.signal.close()
  }

  /* Loop over input and produce output. */
  async run() {
    for await (const [pos, req] of this.input) {
      if (req!.length !== 1) {
        console.log(`skipping invalid '${req}'`)
        continue
      }

      console.log(`received work '${req}' at ${pos}`)

      const res = await this.work(req!.toString())
      await this.output.send([pos!, res])

      console.log(`finished work '${req}' -> '${res}' at ${pos}`)
    }
  }

  /* Do the actual Caesar shift. */
  async work(req: string): Promise<string> {
    // await new Promise((resolve) => setTimeout(resolve, Math.random() * this.maxDelay))

    let char = req.charCodeAt(0)

    for (let i = 0; i < 2000001; i++) {
      if (char >= 65 && char <= 90) {
        char = ((char - 65 + this.shift) % 26) + 65
      } else if (char >= 97 && char <= 122) {
        char = ((char - 97 + this.shift) % 26) + 97
      }
    }

    return String.fromCharCode(char)
  }
}

if (!isMainThread) {
  new ThreadedWorker().run()
}
