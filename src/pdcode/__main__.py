from pdcode.cli import main

main()
