from quantcorr.cli.main import main

main()
